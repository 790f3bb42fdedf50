"""The portal's migrations: its own schema (``portal``), owner and runtime role, like a service's."""
