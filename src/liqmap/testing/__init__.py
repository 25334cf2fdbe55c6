"""Helpers for tests, benchmarks and accuracy studies (not part of the modelling API).

:mod:`liqmap.testing.windows` knows the dated file names of the shared real-data folder
(``../shared/data``) and builds the development and evaluation windows of the accuracy study
from them; nothing in :mod:`liqmap.core` or the CLI depends on it.
"""
