"""The core domain and the store: configuration, models, migrations, catalog, trace."""
