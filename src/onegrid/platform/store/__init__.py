"""The store: engine and unit of work, typed models, migrations, SQL files."""
