"""gridplan's Streamlit app: ``streamlit run app.py`` (``make run``).

Thin on purpose: the sidebar, the tabs and every engine call live in ``ui/``. The page is wide
and its sidebar starts collapsed (the demo is loaded from the start), so the editing map gets
the width of the window; the sidebar's arrow opens the data, language and map settings.
"""

from __future__ import annotations

import streamlit as st

from ui import shell

st.set_page_config(
    page_title="gridplan 党建网格",
    page_icon="🗺️",
    layout="wide",
    initial_sidebar_state="collapsed",
)
shell.main()
