"""The team's pages: server-rendered HTML (Jinja2) with htmx for partial updates, served by
``pressroom serve`` beside the JSON API and calling the same service functions, so a page obeys
the same rules as the CLI and the API. The scripts ship inside the package (``static/``, htmx
2.0.11 from the npm registry, 0BSD): no build step, no CDN, works offline."""
