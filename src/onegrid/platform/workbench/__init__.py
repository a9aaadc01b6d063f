"""A department's workbench: everything waiting on it, in one list with working-time deadlines."""
