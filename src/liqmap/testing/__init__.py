"""Helpers for tests, benchmarks and accuracy studies (not part of the modelling API).

:mod:`liqmap.testing.shared_files` names every dated file of the shared real-data folder
(``../shared/data``) in one place; :mod:`liqmap.testing.windows` builds the accuracy study's windows
from them and :mod:`liqmap.testing.datasets` the development and evaluation datasets of the
real-data harness. Nothing in :mod:`liqmap.core` or the CLI depends on them.
"""
