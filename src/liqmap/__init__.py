"""liqmap: open liquidation maps for crypto perpetual futures, with exact exchange margin math."""

__version__ = "0.1.0"
__all__ = ["__version__"]
