"""OGC API Features (Parts 1, 2 and 3) as plain functions, independent of FastAPI where sensible.

* ``collections``: the published collections (relics, protection zones, intangible heritage places,
  survey points for surveyors) and their properties/queryables;
* ``crsref``: the CRSs served and accepted (CRS84, EPSG:4326, VN-2000 zones, UTM 48N/49N) and the
  numpy conversion of geometries through ``crs/`` (never PostGIS ST_Transform for VN-2000);
* ``params``: parsing of the items query (bbox, datetime, limit, properties, sortby, crs, filter);
* ``cql`` / ``cql_sql``: CQL2 text/JSON parsed with pygeofilter and translated to parameterised SQL;
* ``query``: SQL of pages, counts, single features and extents;
* ``documents`` / ``openapi`` / ``html``: landing page, conformance, collections, queryables, the
  OpenAPI 3.0 definition and the HTML views.

The HTTP layer (routing, content negotiation, auth) lives in ``mapserver.api.ogc``.
"""
