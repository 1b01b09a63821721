"""The partner API under /api/v1 (see dtoa.api.app)."""
