"""The browser viewers of media, served from the npm packages installed at set-up (never a CDN):
OpenSeadragon and Mirador (deep zoom), model-viewer with three's decoders (3D), Photo Sphere Viewer
(360° tours); and the media section every record page shows with them."""
