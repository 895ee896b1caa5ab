"""HTTP routers. Each module is one resource; logic lives in queries/ and params.py."""
