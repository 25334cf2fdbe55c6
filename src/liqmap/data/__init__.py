"""Package data: dated default maintenance-margin tables (``brackets/<venue>.json``).

Read them through :func:`liqmap.io.brackets.default_table`; the layout is described in
:mod:`liqmap.io.brackets`.
"""
