"""Input readers: JSON Lines (plain or gzip, bounded memory), streamed JSON arrays, typed CSV, stdin, in-memory records.

Modules: ``lines`` (line splitting and exact decoding), ``jsonarray``, ``csvfile`` and ``sources``
(format detection, opening, turning ``check()``'s ``data`` into sources).
"""
