"""Form definitions as data (one folder per form, `v<N>.yaml` per version).

Installed as the data package `assessor_forms`; see `assessor_app/core/paths.py`.
"""
