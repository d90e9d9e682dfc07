"""Errors as the specification's list: `[{"code": 400, "description": "..."}]` in JSON,
`<errors><error><code>400</code><description>...</description></error></errors>` in XML, with
the HTTP status of the code. Descriptions are English: the readers are client programs."""


class Open311Error(Exception):
    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def as_list(self) -> list[dict]:
        return [{"code": self.status, "description": self.description}]


def bad_request(description: str) -> Open311Error:
    return Open311Error(400, description)


def forbidden(description: str) -> Open311Error:
    return Open311Error(403, description)


def not_found(description: str) -> Open311Error:
    return Open311Error(404, description)
