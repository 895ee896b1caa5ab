"""The relic registry: administrative units, sites, protection zones, intangible heritage, audit.

Revision ID: 0001
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

RANKS = "('special_national', 'national', 'provincial', 'inventoried')"
LOCATION_STATUSES = "('surveyed', 'sourced', 'approximate', 'unknown')"
CATEGORIES = "('historical', 'revolutionary_historical', 'architectural_artistic', 'archaeological', 'scenic', 'other')"

UPGRADE = f"""
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Case- and diacritic-free text for search; IMMUTABLE so it can feed an index.
-- Vietnamese đ/Đ are letters of their own, not d + a mark, so they are mapped explicitly.
CREATE FUNCTION heritage_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS
$$ SELECT lower(translate(public.unaccent('public.unaccent'::regdictionary, normalize($1, NFC)),
                          'đĐ', 'dD')) $$;

CREATE TABLE admin_units (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]*$'),
    name_vi text NOT NULL,
    name_en text,
    level text NOT NULL CHECK (level IN ('province', 'city', 'district', 'town', 'ward', 'commune')),
    parent_id text REFERENCES admin_units(id),
    valid_from date,
    valid_to date,
    geom geometry(MultiPolygon, 4326),
    source text,
    attribution text,
    licence text,
    CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from)
);
CREATE INDEX admin_units_geom_idx ON admin_units USING gist (geom);

CREATE TABLE sites (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{{0,99}}$'),
    name_vi text NOT NULL CHECK (length(btrim(name_vi)) > 0),
    name_en text,
    rank text NOT NULL CHECK (rank IN {RANKS}),
    category text CHECK (category IN {CATEGORIES}),
    decision_no text,
    decision_date date,
    decision_issuer text,
    admin_unit_ids text[] NOT NULL DEFAULT '{{}}',
    address_vi text,
    geom geometry(Point, 4326),
    location_status text NOT NULL DEFAULT 'unknown' CHECK (location_status IN {LOCATION_STATUSES}),
    location_source text,
    location_accuracy_m double precision CHECK (location_accuracy_m IS NULL OR location_accuracy_m >= 0),
    footprint geometry(MultiPolygon, 4326),
    publication_status text NOT NULL DEFAULT 'published'
        CHECK (publication_status IN ('draft', 'published', 'withdrawn')),
    sources text,
    notes text,
    search_text text GENERATED ALWAYS AS
        (heritage_fold(name_vi || ' ' || coalesce(name_en, '') || ' ' || id)) STORED,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- A position and its status travel together: no point without a status, no status without a point.
    CHECK ((geom IS NULL) = (location_status = 'unknown'))
);
CREATE INDEX sites_geom_idx ON sites USING gist (geom);
CREATE INDEX sites_geog_idx ON sites USING gist ((geom::geography));
CREATE INDEX sites_search_idx ON sites USING gin (search_text gin_trgm_ops);
CREATE INDEX sites_rank_idx ON sites (rank);
CREATE INDEX sites_admin_units_idx ON sites USING gin (admin_unit_ids);

CREATE TABLE site_location_history (
    id bigserial PRIMARY KEY,
    site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    geom geometry(Point, 4326),
    location_status text NOT NULL,
    location_source text,
    location_accuracy_m double precision,
    replaced_at timestamptz NOT NULL DEFAULT now(),
    replaced_by text
);
CREATE INDEX site_location_history_site_idx ON site_location_history (site_id);

CREATE TABLE protection_zones (
    id bigserial PRIMARY KEY,
    site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    zone text NOT NULL CHECK (zone IN ('I', 'II')),
    geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    decision_no text,
    source text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX protection_zones_geom_idx ON protection_zones USING gist (geom);
CREATE INDEX protection_zones_site_idx ON protection_zones (site_id);

CREATE TABLE intangible_elements (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]*$'),
    name_vi text NOT NULL,
    name_en text,
    decision_no text,
    decision_date date,
    admin_unit_ids text[] NOT NULL DEFAULT '{{}}',
    season text,
    sources text,
    notes text
);

CREATE TABLE intangible_places (
    id bigserial PRIMARY KEY,
    element_id text NOT NULL REFERENCES intangible_elements(id) ON DELETE CASCADE,
    site_id text REFERENCES sites(id) ON DELETE SET NULL,
    place_vi text NOT NULL,
    UNIQUE (element_id, place_vi)
);

CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL,
    entity text NOT NULL,
    entity_id text,
    detail jsonb
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
"""

DOWNGRADE = """
DROP TABLE audit_log, intangible_places, intangible_elements, protection_zones,
           site_location_history, sites, admin_units;
DROP FUNCTION heritage_fold(text);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
