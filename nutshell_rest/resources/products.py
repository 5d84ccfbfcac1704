"""The product and competitor resources: products, categories, and their maps onto leads."""

from __future__ import annotations

from nutshell_rest.resources.verbs import (
    Creatable,
    Deletable,
    Gettable,
    Listable,
    Patchable,
    Undeletable,
)


class Products(Listable, Gettable, Deletable, Undeletable):
    """Products: ``/products`` (the OpenAPI document has no product create or update)."""

    _base = "/products"


class ProductCategories(Listable, Gettable, Creatable):
    """Product categories: ``/productcategories``."""

    _base = "/productcategories"


class ProductMaps(Listable, Gettable, Patchable, Deletable):
    """Product maps (products on leads): ``/productmaps`` (DELETE is ``/productMaps/{id}``)."""

    _base = "/productmaps"


class Competitors(Listable, Gettable):
    """Competitors: ``/competitors``."""

    _base = "/competitors"


class CompetitorMaps(Listable, Gettable, Patchable, Deletable):
    """Competitor maps (competitors on leads): ``/competitormaps``."""

    _base = "/competitormaps"
