"""gridplan's Streamlit app: ``streamlit run app.py`` (``make run``).

Thin on purpose: the sidebar, the tabs and every engine call live in ``ui/``.
"""

from __future__ import annotations

import streamlit as st

from ui import shell

st.set_page_config(page_title="gridplan 党建网格", page_icon="🗺️", layout="wide")
shell.main()
