"""Local Nutshell emulator speaking both APIs. Not implemented yet: see the project issues."""
