"""Documentary heritage: records, dossiers, Hán-Nôm steles, maps, photos, with holding institution and rights."""
