"""360° virtual tours: a kind of record whose rooms are panoramas (media items), linked by arrows
and carrying hotspots that open other records; the staff editor and the public viewer."""
