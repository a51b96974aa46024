"""Pure functions from records to figures and tables; the app pages only call these."""
