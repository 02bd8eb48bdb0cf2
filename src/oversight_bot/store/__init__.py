"""The segment store: the only package that imports SQLAlchemy."""
