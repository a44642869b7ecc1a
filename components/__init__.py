"""Reusable Streamlit widgets of the studio. They use the engine's public facade only."""
