"""What only the dashboard needs: its page catalog and the helpers its pages share.

The science modules never import this package (nor Streamlit)."""
