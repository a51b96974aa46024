"""What only the dashboard needs: its page catalog, the pages' back ends (one module per
page that needs more than a few lines: `explorer`, `playground`, `tour`, with `views`
for the sentence records they share, `upload` for the Playground's files) and the
widgets the pages share (`controls`).

The science modules never import this package; only `controls` imports Streamlit."""
