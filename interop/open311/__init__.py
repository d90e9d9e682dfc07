"""The Open311 GeoReport v2 server (http://wiki.open311.org/GeoReport_v2), mounted under
/open311/v2/: discovery, services and their definitions, POST and GET of service requests,
tokens, and the widely implemented extensions (paging, `extensions=true`, and
`servicerequestupdates`). Every call answers `.json` and `.xml`.

- `formats`: JSON and XML bodies, element names as the specification's examples.
- `errors`: the specification's error list, `[{code, description}]`, with its HTTP status.
- `publication`: which tickets a jurisdiction publishes, and what of them (what the tracking
  page shows, never the reporter, a dwelling or an internal note).
- `params`: reading and checking the query parameters.
- `submission`: POST requests: a service request as a ticket, its log row and its token.
- `views`, `urls`: the calls.
"""
