"""Open data: the DCAT catalogue and bulk downloads of published data."""
