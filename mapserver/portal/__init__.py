"""The public portal's site-wide documents: the sitemap and robots.txt."""
