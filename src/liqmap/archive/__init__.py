"""The data.binance.vision bulk archive: file layout and URLs (:mod:`.layout`), the archive
kinds :mod:`liqmap.io` lacks (:mod:`.files`), and the verified, resumable downloader
(:mod:`liqmap.archive.download`, imported on its own because it needs the store)."""

from liqmap.archive.layout import KINDS, ArchiveFile, ArchiveKind, Plan, parse_kind, plan_files

__all__ = ["KINDS", "ArchiveFile", "ArchiveKind", "Plan", "parse_kind", "plan_files"]
