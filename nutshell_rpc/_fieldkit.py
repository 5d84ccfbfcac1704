"""The field kit of the JSON-RPC wire: one factory per kind of key, each a
:class:`~nutshell_core.wiremap.Field` with its fast reader and writer.

``kit.time("dueTime", "due_time")``, ``kit.ref("assignee", "owner", User)``...: the loaders and
dumpers are the codecs of :mod:`nutshell_rpc._codecs`; the fast readers take only the spellings
their dumper gives back exactly (see :mod:`nutshell_core.wiremap`), and hand anything else to
the loader. Refs and value objects go through the converter's hooks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Final, cast

import attrs

from nutshell_core.model import (
    ENTITIES,
    UNSET,
    Money,
    PersonName,
    Record,
    Ref,
    entity_for_rpc_type,
    is_set,
)
from nutshell_core.wiremap import SLOW, Check, Field, identity, positional_maker
from nutshell_rpc._codecs import (
    FIELD_TYPE_CODES,
    FIELD_TYPES,
    PRODUCT_CODES,
    PRODUCT_TYPES,
    V,
    _at,
    _kind,
    _opt_text,
    _plain_string,
    _set_or,
    as_bool,
    as_enum,
    as_flag01,
    as_int,
    as_number,
    as_text,
    as_token,
    format_time,
    multi_dump,
    multi_load,
    nullable,
    parse_time,
    read_time,
    write_time,
)
from nutshell_rpc._stubs import (
    KEYED_MISSES,
    STUBS_SIZE,
    UNKEYED_READS,
    shared_form,
    stub_key,
)

if TYPE_CHECKING:
    import cattrs

__all__ = ["FieldKit"]

#: Record classes by RPC ``entityType``, as :func:`entity_for_rpc_type` reads them.
_BY_RPC_TYPE: Final[Mapping[str, type[Record]]] = {
    cls.rpc_type: found
    for cls in ENTITIES.values()
    if (found := entity_for_rpc_type(cls.rpc_type)) is not None
}


# -- helpers ------------------------------------------------------------------------------


def _or_null(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A ``write`` rendering a real value with ``fn``; null stays null."""

    def write(value: Any) -> Any:
        return None if value is None else fn(value)

    return write


#: The JSON types each strict check takes back unchanged (so its dump is the value itself).
_EXACT_TYPES: dict[Callable[[Any], Any], tuple[type, ...]] = {
    as_text: (str,),
    as_token: (str,),
    as_int: (int,),
    as_bool: (bool,),
    as_number: (int, float),
}


def _type_reader(types: tuple[type, ...]) -> Callable[[Any], Any]:
    """A fast reader taking values of exactly ``types`` as they are."""
    accepted = frozenset(types)

    def read(value: Any) -> Any:
        return value if type(value) in accepted else SLOW

    return read


def _money_is_exact(raw: Any) -> bool:
    """True when :func:`money_dump` gives ``raw`` back: ``{currency, amount}`` or ``{amount}``
    with a string currency and an integer, finite float or null amount."""
    if type(raw) is not dict or not 0 < len(raw) <= 2:
        return False
    amount = raw.get("amount", UNSET)
    kind = type(amount)
    if not (kind is int or amount is None or (kind is float and math.isfinite(amount))):
        return False
    if len(raw) == 1:
        return True
    return next(iter(raw)) == "currency" and type(raw["currency"]) is str


#: Tag links by name: a tag is only its name on this wire, and pages repeat them.
_TAG_REFS: dict[str, Ref] = {}
_TAG_REFS_SIZE: Final = 4096


_ONLY_TEXT: Final = {str}


def _tag_ref(name: str) -> Ref:
    ref = _TAG_REFS.get(name)
    if ref is None:
        ref = Ref(entity="Tag", name=name)
        if len(_TAG_REFS) >= _TAG_REFS_SIZE:
            _TAG_REFS.clear()
        _TAG_REFS[name] = ref
    return ref


#: The most bare stubs a FieldKit keeps (cleared when full; a stub is a few keys).
_BARE_STUBS_SIZE = 4096

# a Ref per embedded stub, several per record read: built slot by slot
_make_ref: Final[Callable[[str, Any, Any, Any, Record | None], Ref]] = positional_maker(
    Ref, ("entity", "id", "name", "relationship", "record")
)


@attrs.frozen
class FieldKit:
    """Field factories bound to one converter (refs and value objects go through its hooks)."""

    conv: cattrs.Converter
    # hooks looked up once per class, with the converter's hooks_version they were found at
    _structure_hooks: dict[Any, tuple[int, Any]] = attrs.field(
        init=False, factory=dict, eq=False, repr=False
    )
    _unstructure_hooks: dict[Any, tuple[int, Any]] = attrs.field(
        init=False, factory=dict, eq=False, repr=False
    )
    # the same for the stub readers, which look them up inline
    _ref_hooks: dict[Any, tuple[int | None, Any]] = attrs.field(
        init=False, factory=dict, eq=False, repr=False
    )
    # embedded stubs read, by stub_key, with the hooks_version they were read at: a page of
    # leads embeds the same users, pipelines, stages, markets and teams over and over, and
    # the same JSON read as the same class is the same frozen record (and Ref)
    _stubs: dict[tuple[Any, ...], tuple[int, Ref]] = attrs.field(
        init=False, factory=dict, eq=False, repr=False
    )
    # bare stubs by (class, id, name, hooks_version): a record links the same few users,
    # stages and pipelines over and over, and each bare stub is a whole record rendered
    _bare_stubs: dict[tuple[Any, ...], dict[str, Any]] = attrs.field(
        init=False, factory=dict, eq=False, repr=False
    )

    def structure_hook(self, cls: Any) -> Callable[[Any, Any], Any]:
        """The converter's structure hook for ``cls``, kept until a hook is registered again."""
        version = getattr(self.conv, "hooks_version", None)
        found = self._structure_hooks.get(cls)
        if found is not None and found[0] == version:
            hook: Callable[[Any, Any], Any] = found[1]
            return hook
        hook = self.conv.get_structure_hook(cls)
        if version is not None:  # a converter that does not count changes is asked each time
            self._structure_hooks[cls] = (version, hook)
        return hook

    def unstructure_hook(self, cls: Any) -> Callable[[Any], Any]:
        """The converter's unstructure hook for ``cls``, kept like :meth:`structure_hook`."""
        version = getattr(self.conv, "hooks_version", None)
        found = self._unstructure_hooks.get(cls)
        if found is not None and found[0] == version:
            hook: Callable[[Any], Any] = found[1]
            return hook
        hook = self.conv.get_unstructure_hook(cls)
        if version is not None:
            self._unstructure_hooks[cls] = (version, hook)
        return hook

    def unstructure(self, value: Any) -> Any:
        """``conv.unstructure(value)`` through the kept hook of its class."""
        return self.unstructure_hook(value.__class__)(value)

    # scalars

    def scalar(
        self, key: str, attr: str | None, check: Callable[[Any], Any], *, null: bool = True
    ) -> Field:
        """A key whose value is ``check``-ed and stored as is."""
        name = attr or key
        load = nullable(check) if null else check
        types = _EXACT_TYPES.get(check)
        if types is not None and null:
            types = (*types, type(None))
        return Field(
            key,
            lambda v: {name: load(v)},
            lambda r: getattr(r, name),
            attr=name,
            read=None if types is None else _type_reader(types),
            write=identity,
            exact=types,
        )

    def text(self, key: str, attr: str | None = None, *, null: bool = True) -> Field:
        """A string (or null)."""
        return self.scalar(key, attr, as_text, null=null)

    def token(self, key: str, attr: str | None = None, *, null: bool = True) -> Field:
        """An opaque string token (``rev``); an integer spelling is read as its digits."""
        return self.scalar(key, attr, as_token, null=null)

    def integer(self, key: str, attr: str | None = None, *, null: bool = True) -> Field:
        """An integer (or null)."""
        return self.scalar(key, attr, as_int, null=null)

    def boolean(self, key: str, attr: str | None = None, *, null: bool = True) -> Field:
        """A JSON boolean (or null)."""
        return self.scalar(key, attr, as_bool, null=null)

    def number(self, key: str, attr: str | None = None) -> Field:
        """A JSON number (or null), int or float as it came."""
        return self.scalar(key, attr, as_number)

    def flag01(self, key: str, attr: str) -> Field:
        """A ``0``/``1`` integer read as a bool and written back as an integer."""
        flags = {0: False, 1: True}

        def read(value: Any) -> Any:
            if value is None:
                return None
            return flags[value] if type(value) is int and value in flags else SLOW

        return Field(
            key,
            lambda v: {attr: nullable(as_flag01)(v)},
            lambda r: _set_or(getattr(r, attr), int),
            attr=attr,
            read=read,
            write=_or_null(int),
        )

    def enum(self, key: str, attr: str, enum_cls: type[IntEnum]) -> Field:
        """An IntEnum from its integer; never null."""
        members = {int(member): member for member in enum_cls}

        def read(value: Any) -> Any:
            return members.get(value, SLOW) if type(value) is int else SLOW

        return Field(
            key,
            lambda v: {attr: as_enum(enum_cls)(v)},
            lambda r: _set_or(getattr(r, attr), int),
            attr=attr,
            read=read,
            write=_or_null(int),
        )

    def time(self, key: str, attr: str) -> Field:
        """An RPC time string (or null) as an aware datetime."""
        return Field(
            key,
            lambda v: {attr: nullable(parse_time)(v)},
            lambda r: _set_or(getattr(r, attr), format_time),
            attr=attr,
            read=read_time,
            write=write_time,
        )

    def mapping(self, key: str, attr: str) -> Field:
        """A JSON object kept as a dict (PHP's empty ``[]`` reads as ``{}``)."""

        def load(value: Any) -> Mapping[str, Any]:
            if value == []:
                return {attr: {}}
            if not isinstance(value, Mapping):
                raise TypeError(f"expected an object, got {_kind(value)}")
            return {attr: dict(value)}

        def read(value: Any) -> Any:
            return dict(value) if type(value) is dict else SLOW

        return Field(
            key,
            load,
            lambda r: _set_or(getattr(r, attr), dict),
            attr=attr,
            read=read,
            write=_or_null(dict),
        )

    def strings(self, key: str, attr: str) -> Field:
        """A list of strings as a tuple; nulls in it are dropped (the memo keeps them)."""

        def load(value: Any) -> Mapping[str, Any]:
            if not isinstance(value, list):
                raise TypeError(f"expected a list, got {_kind(value)}")
            return {attr: tuple(_plain_string(v) for v in value if v is not None)}

        def read(value: Any) -> Any:
            if type(value) is list and all(type(v) is str for v in value):
                return tuple(value)
            return SLOW

        return Field(
            key,
            load,
            lambda r: _set_or(getattr(r, attr), list),
            attr=attr,
            read=read,
            write=_or_null(list),
        )

    def entity_type(self, cls: type[Record]) -> Field:
        """``entityType``: checked against the class; written unless the record came without."""

        def load(value: Any) -> Mapping[str, Any]:
            if value != cls.rpc_type:
                raise ValueError(f"entityType {value!r} is not {cls.rpc_type!r}")
            return {}

        def dump(record: Record) -> Any:
            memo = record.memo
            if memo is not None and memo.wire == "rpc" and "entityType" not in memo.order:
                return UNSET
            return cls.rpc_type

        def read(value: Any) -> Any:
            # sent, so written back; only the exact spelling passes
            return None if value == cls.rpc_type and type(value) is str else SLOW

        return Field("entityType", load, dump, read=read)

    # value objects (through the converter's hooks)

    def value(self, key: str, attr: str, cls: type[Any]) -> Field:
        """A value object (Money...) or null, via the converter."""

        structure_hook = self.structure_hook

        def read(value: Any) -> Any:
            if value is None:
                return None
            if cls is Money and _money_is_exact(value):
                return structure_hook(cls)(value, cls)
            return SLOW

        return Field(
            key,
            lambda v: {attr: None if v is None else self.conv.structure(v, cls)},
            lambda r: _set_or(getattr(r, attr), self.conv.unstructure),
            attr=attr,
            read=read,
            write=_or_null(self.unstructure),
        )

    def multi(self, key: str, attr: str, cls: type[V]) -> Field:
        """A ``--primary`` multi-value map as a tuple of Email/Phone/Url/Address."""

        def load_item(raw: Any) -> V:
            item: V = self.conv.structure(raw, cls)
            return item

        def dump(record: Record) -> Any:
            items = getattr(record, attr)
            return _set_or(items, lambda v: multi_dump(v, self.conv.unstructure))

        def load(value: Any) -> Mapping[str, Any]:
            return {attr: _at(f".{key}", lambda v: multi_load(v, load_item), value)}

        return Field(key, load, dump)

    # links

    def load_ref(self, raw: Any, default: type[Record]) -> Ref:
        """An embedded stub as a Ref carrying the structured record.

        ``default`` is the class for stubs without ``entityType`` (``industry: {id, name}``).
        A type the model lacks (``Origins``) becomes a Ref named by its RPC type, without a
        record; the memo keeps its other keys.
        """
        if type(raw) is not dict and not isinstance(raw, Mapping):
            raise TypeError(f"expected an object, got {_kind(raw)}")
        relationship = _opt_text(raw["relationship"]) if "relationship" in raw else UNSET
        rpc_type = raw.get("entityType", UNSET)
        cls = default if rpc_type is UNSET else entity_for_rpc_type(as_text(rpc_type))
        if cls is None:
            return Ref(
                entity=as_text(rpc_type),
                id=as_int(raw["id"]) if "id" in raw else UNSET,
                name=_opt_text(raw["name"]) if "name" in raw else UNSET,
                relationship=relationship,
            )
        record: Record = self.structure_hook(cls)(raw, cls)
        name = getattr(record, "name", UNSET)
        return Ref(
            entity=record.entity, id=record.id, name=name, relationship=relationship, record=record
        )

    def dump_ref(self, ref: Ref) -> dict[str, Any]:
        """The embedded record while it still matches the Ref, else a bare stub of its class.

        A bare stub goes through the class's table, so an Outcome's name goes out as
        ``description``; a type the model lacks is written as ``{entityType, id, name}``.
        """
        record = ref.record
        cls = ENTITIES.get(ref.entity)
        out: dict[str, Any]
        if (
            record is not None
            and record.entity == ref.entity
            and record.id == ref.id
            and getattr(record, "name", UNSET) == ref.name
        ):  # the Ref still says what its record says (its relationship is its own)
            out = self.unstructure(record)
        elif cls is not None:
            out = self._bare_stub(cls, ref)
        else:
            out = {"entityType": ref.entity, "id": ref.id, "name": ref.name}
            out = {key: value for key, value in out.items() if is_set(value)}
        if is_set(ref.relationship):
            out["relationship"] = ref.relationship
        else:
            out.pop("relationship", None)
        return out

    def _bare_stub(self, cls: type[Record], ref: Ref) -> dict[str, Any]:
        """A new dict of the bare stub of ``cls`` for the Ref's id and name."""
        version = getattr(self.conv, "hooks_version", None)
        key = (cls, ref.id, ref.name, version)
        kept = self._bare_stubs.get(key)
        if kept is None:
            fields: dict[str, Any] = {"id": ref.id}
            if "name" in attrs.fields_dict(cls):
                fields["name"] = ref.name
            kept = cast(dict[str, Any], self.conv.unstructure(cls(**fields)))
            if (
                version is None
                or type(ref.id) is not int  # True == 1 == 1.0 would share one entry
                or any(type(v) in (dict, list) for v in kept.values())
            ):
                return kept  # not kept: a converter that does not count changes, or nested
            if len(self._bare_stubs) >= _BARE_STUBS_SIZE:
                self._bare_stubs.clear()
            self._bare_stubs[key] = kept
        return dict(kept)

    def _read_ref(self, default: type[Record], *, single: bool = False) -> Callable[[Any], Any]:
        """:meth:`load_ref` for ``default``, with the common case written out: a dict of a
        known type (or none), a text or null relationship. Anything else takes load_ref.

        ``single`` makes it the reader of one stub's key: null reads as None, and a Ref
        without a record (a type the model lacks) as a Check of it. Stubs seen before (by
        :func:`stub_key`, made with ``default``, which with the stub decides its class) are
        given back as they were read.
        """
        conv = self.conv
        load_ref = self.load_ref
        structure_hook = self.structure_hook
        hooks = self._ref_hooks
        by_type = _BY_RPC_TYPE
        make_ref = _make_ref
        stubs = self._stubs
        # this key's stubs missed in a row (see KEYED_MISSES); a race only miscounts
        misses = [0]
        key_of = stub_key

        def slow(raw: Any) -> Any:
            ref = load_ref(raw, default)
            return Check(ref) if single and ref.record is None else ref

        def read(raw: Any) -> Any:
            if type(raw) is not dict:
                return None if single and raw is None else slow(raw)
            version = getattr(conv, "hooks_version", None)
            key = None
            if version is not None:
                streak = misses[0]
                if streak < KEYED_MISSES:
                    key = key_of(default, raw)
                    if key is not None:
                        seen = stubs.get(key)
                        if seen is not None and seen[0] == version:
                            if streak:
                                misses[0] = 0
                            return seen[1]
                        misses[0] = streak + 1
                else:  # a key whose stubs keep differing is read without keys for a while
                    misses[0] = 0 if streak >= UNKEYED_READS else streak + 1
            rpc_type = raw.get("entityType", UNSET)
            cls = default if rpc_type is UNSET else by_type.get(rpc_type)
            relationship = raw.get("relationship", UNSET)
            if cls is None or not (
                relationship is UNSET or relationship is None or type(relationship) is str
            ):
                return slow(raw)
            found = hooks.get(cls)
            if found is not None and found[0] == version is not None:
                hook = found[1]
            else:
                hook = structure_hook(cls)
                hooks[cls] = (version, hook)
            record = hook(raw, cls)
            ref = make_ref(
                record.entity, record.id, getattr(record, "name", UNSET), relationship, record
            )
            if key is not None and version is not None:
                shared = shared_form(raw, ref)
                if shared is not None:  # else it holds something a reader could change
                    if len(stubs) >= STUBS_SIZE:
                        stubs.clear()
                    stubs[key] = (version, shared)
                    return shared
            return ref

        return read

    def ref(self, key: str, attr: str, default: type[Record]) -> Field:
        """An embedded stub (or null) as a Ref."""

        def load(value: Any) -> Mapping[str, Any]:
            return {attr: None if value is None else _at(f".{key}", self._ref_of(default), value)}

        # an embedded record renders back exactly (its own memo sees to it); a type the
        # model lacks keeps only some keys, so its rendering is compared
        return Field(
            key,
            load,
            lambda r: _set_or(getattr(r, attr), self.dump_ref),
            attr=attr,
            read=self._read_ref(default, single=True),
            write=_or_null(self.dump_ref),
        )

    def refs(self, key: str, attr: str, default: type[Record]) -> Field:
        """A list of embedded stubs as a tuple of Refs."""

        def load(value: Any) -> Mapping[str, Any]:
            if not isinstance(value, list):
                raise TypeError(f"expected a list, got {_kind(value)}")
            one = self._ref_of(default)
            return {attr: tuple(_at(f".{key}[{i}]", one, v) for i, v in enumerate(value))}

        dump_ref = self.dump_ref
        read_ref = self._read_ref(default)

        def write(refs: Any) -> Any:
            return None if refs is None else [dump_ref(r) for r in refs]

        def dump(record: Record) -> Any:
            value = getattr(record, attr)
            return value if value is UNSET else write(value)

        def read(value: Any) -> Any:
            if type(value) is not list:
                return SLOW
            if not value:
                return ()
            refs = tuple([read_ref(v) for v in value])
            for ref in refs:
                if ref.record is None:
                    return Check(refs)
            return refs

        return Field(key, load, dump, attr=attr, read=read, write=write)

    def _ref_of(self, default: type[Record]) -> Callable[[Any], Ref]:
        return lambda raw: self.load_ref(raw, default)

    def ref_id(self, key: str, attr: str, entity: str) -> Field:
        """A bare id (``stagesetId: 71``) as a Ref to ``entity``."""

        def read(value: Any) -> Any:
            if value is None:
                return None
            return Ref(entity=entity, id=value) if type(value) is int else SLOW

        def write(ref: Any) -> Any:
            return None if ref is None else ref.id

        return Field(
            key,
            lambda v: {attr: None if v is None else Ref(entity=entity, id=as_int(v))},
            lambda r: _set_or(getattr(r, attr), lambda ref: ref.id),
            attr=attr,
            read=read,
            write=write,
        )

    def parent(self, key: str, default: type[Record]) -> Field:
        """One of a note's parent keys (``lead``/``contact``/``account``) as ``parent``."""

        def load(value: Any) -> Mapping[str, Any]:
            if value is None:
                return {}  # says nothing about the parent; the memo keeps the null
            parent = _at(f".{key}", self._ref_of(default), value)
            if parent.entity != default.entity:
                raise ValueError(f"expected a {default.rpc_type} stub, got {parent.entity}")
            return {"parent": parent}

        def dump(record: Record) -> Any:
            parent = getattr(record, "parent", UNSET)
            if isinstance(parent, Ref) and parent.entity == default.entity:
                return self.dump_ref(parent)
            return UNSET

        return Field(key, load, dump)

    def tags(self, key: str = "tags") -> Field:
        """Tag names as Refs to Tag."""

        def load(value: Any) -> Mapping[str, Any]:
            if not isinstance(value, list):
                raise TypeError(f"expected a list of tag names, got {_kind(value)}")
            return {"tags": tuple(_tag_ref(_plain_string(v)) for v in value)}

        def dump(record: Record) -> Any:
            return _set_or(getattr(record, "tags", UNSET), lambda refs: [r.name for r in refs])

        tag_refs = _TAG_REFS

        def read(value: Any) -> Any:
            if type(value) is not list:
                return SLOW
            if not value:
                return ()
            if set(map(type, value)) != _ONLY_TEXT:
                return SLOW
            return tuple([tag_refs.get(name) or _tag_ref(name) for name in value])

        return Field(
            key,
            load,
            dump,
            attr="tags",
            read=read,
            write=_or_null(lambda refs: [r.name for r in refs]),
        )

    # keys with a shape of their own

    def contact_name(self) -> Field:
        """Contact ``name``: the parts object on full records (person_name, and name = the
        display name), a plain string on stubs. Written back in the form it came in, unless
        ``name`` was changed by hand."""

        def load(value: Any) -> Mapping[str, Any]:
            if isinstance(value, Mapping):
                person: PersonName = self.conv.structure(value, PersonName)
                return {"person_name": person, "name": person.display}
            return {"name": _opt_text(value)}

        def dump(record: Record) -> Any:
            person = getattr(record, "person_name", UNSET)
            name = getattr(record, "name", UNSET)
            if isinstance(person, PersonName) and name in (UNSET, person.display):
                return self.conv.unstructure(person)
            return name

        def read(value: Any) -> Any:
            # a stub's plain name; the parts object of a full record takes the loader
            return value if value is None or type(value) is str else SLOW

        return Field("name", load, dump, attr="name", read=read)

    def product_type(self) -> Field:
        """Product ``type``: ``"0"``/``"1"`` read as REST's ``"product"``/``"service"``."""

        def load(value: Any) -> Mapping[str, Any]:
            text = _opt_text(value)
            return {"product_type": None if text is None else PRODUCT_TYPES.get(text, text)}

        def dump(record: Record) -> Any:
            kind = getattr(record, "product_type", UNSET)
            return PRODUCT_CODES.get(kind, kind) if isinstance(kind, str) else kind

        return Field("type", load, dump)

    def field_type(self) -> Field:
        """A custom field's ``type`` (``"Enum"``) as the model's REST spelling (``"enum"``);
        a type the table lacks is kept as it came."""

        def load(value: Any) -> Mapping[str, Any]:
            text = _opt_text(value)
            return {"field_type": None if text is None else FIELD_TYPES.get(text, text)}

        def dump(record: Record) -> Any:
            kind = getattr(record, "field_type", UNSET)
            return FIELD_TYPE_CODES.get(kind, kind) if isinstance(kind, str) else kind

        return Field("type", load, dump)

    def location(self) -> Field:
        """Activity ``location``: text; an address object is not modelled (the memo keeps it)."""

        def load(value: Any) -> Mapping[str, Any]:
            return {"location": UNSET if isinstance(value, Mapping) else _opt_text(value)}

        def read(value: Any) -> Any:
            return value if value is None or type(value) is str else SLOW

        return Field(
            "location",
            load,
            lambda r: getattr(r, "location", UNSET),
            attr="location",
            read=read,
            write=identity,
        )
