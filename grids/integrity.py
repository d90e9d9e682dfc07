"""Verify the nested-set columns of the grid tree against its parent links."""

from collections import defaultdict

from .models import GridNode


def find_tree_damage() -> list[str]:
    """Return one line per inconsistency; an empty list means the tree is sound.

    The expected lft/rght/level/tree_id are recomputed by a depth-first walk over the parent
    links (siblings in their stored order) and compared with what is stored.
    """
    rows = list(
        GridNode.objects.order_by("tree_id", "lft").values_list(
            "pk", "parent_id", "tree_id", "lft", "rght", "level", "code"
        )
    )
    stored = {row[0]: row for row in rows}
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id, *_ in rows:
        children[parent_id].append(pk)

    problems: list[str] = []
    seen: set[int] = set()
    roots = children[None]
    if len({stored[pk][2] for pk in roots}) != len(roots):
        problems.append("two root nodes share a tree_id")
    for root in roots:
        problems.extend(_walk(root, stored, children, seen))
    for pk in stored.keys() - seen:
        problems.append(f"node {stored[pk][6]} (id {pk}) is not reachable from any root")
    return problems


def _walk(root: int, stored: dict, children: dict, seen: set[int]) -> list[str]:
    problems: list[str] = []
    tree_id = stored[root][2]
    counter = 1
    expected: dict[int, list[int]] = {}
    stack: list[tuple[int, int, bool]] = [(root, 0, False)]
    while stack:
        pk, level, closing = stack.pop()
        if closing:
            expected[pk][1] = counter
            counter += 1
            continue
        if pk in seen:
            problems.append(f"node id {pk} is reached twice (a cycle in the parent links)")
            continue
        seen.add(pk)
        expected[pk] = [counter, 0, level]
        counter += 1
        stack.append((pk, level, True))
        for child in reversed(children[pk]):
            stack.append((child, level + 1, False))
    for pk, (lft, rght, level) in expected.items():
        _, _, got_tree, got_lft, got_rght, got_level, code = stored[pk]
        if (got_tree, got_lft, got_rght, got_level) != (tree_id, lft, rght, level):
            problems.append(
                f"node {code} (id {pk}): stored tree/lft/rght/level "
                f"{got_tree}/{got_lft}/{got_rght}/{got_level}, expected "
                f"{tree_id}/{lft}/{rght}/{level}"
            )
    return problems
