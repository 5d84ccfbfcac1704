"""REST client for Nutshell CRM. Not implemented yet: see the project issues."""
