"""A numbering scrub's walk through arrays compared in any order (compare `set`, `multiset`,
`key`): an order of their own, the same whatever order their elements came in.

Numbering by first appearance ties the numbers to the order of such an array: the same rows in
another order get other numbers, and a multiset comparison then sees rows that differ
(`{"id":"<uuid_0>","parent":"<uuid_1>"}` against the reverse). Here the elements are sorted by
their text with each match replaced by a colour: first all alike, then each match's colour is
where it occurs (which elements, at which place), round after round, as colour refinement of
graphs does: rows equal but for their ids are told apart by how the ids link them (a root, its
children, a grandchild). Arrays nested in the elements and compared in any order too count as
the multisets they are. While elements linked to others are still alike, the first of them is
told apart by hand and the colours refined again (individualization, as canonical labelling
does); alike elements are then interchangeable. Arrays compared in order keep their order:
both outputs walk them alike already.

The work is bounded per array (`MAX_MARKS`, `WORK`); past it, alike linked elements keep the
order they came in (`bounded`), which the rule audit says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from yamlparity.core import boundedre
from yamlparity.core.jsonvalue import JSON, canonical, format_path

CPath = tuple[str | int, ...]
AnyOrder = Callable[[CPath], bool]  # is the array at this path compared in any order?

# An element read once, its strings cut at their matches:
#   ("s", pieces, matches)      a string: pieces[k] comes before matches[k]; one more at the end
#   ("l", any_order, children)  an array
#   ("d", ((key, child), ...))  an object, keys sorted
#   ("v", text)                 anything else, as canonical JSON
Skeleton = tuple[Any, ...]
Key = tuple[Any, ...]  # a skeleton with colours for its matches; comparable with any other
Occurrences = list[tuple[str, str]]  # (where in the element, match), order-free places

_GAP = "\x00"  # between the pieces of a string in a flat key (each piece is JSON text)


class AnyOrderNumbering:
    """Meets a scrub's matches in walk order (see the module doc) so that `sub` numbers them."""

    # Elements told apart by hand in one array, at most, and the refining rounds (x elements)
    # one array may use: a round over 10,000 rows of a tree takes 0.1-0.3 s here.
    MAX_MARKS = 32
    WORK = 200_000

    def __init__(
        self,
        regex: boundedre.BoundedPattern,
        any_order: AnyOrder,
        value: JSON,
        at: CPath,
        scrubbed: Callable[[CPath], bool] = lambda _path: True,
    ) -> None:
        self.regex, self.any_order, self.value, self.at = regex, any_order, value, at
        self.scrubbed = scrubbed  # whether the scrub rewrites the string at this path
        # id of an array -> its indices in walk order, and each index's place in that order
        self.orders: dict[int, tuple[list[int], list[int]]] = {}
        self.bounded = False  # some array's order was left partly as it came
        # The joint refinement (`_refine_jointly`): each outermost array compared in any
        # order's keys, by its path, and the colours that order arrays nested in them.
        self.joint: tuple[dict[CPath, list[Key]], dict[str, int]] | None = None

    def number(self, found: Iterable[CPath], sub: Callable[[str], str]) -> None:
        """Meet every match under the `found` paths in walk order."""
        for path in sorted(found, key=self._position):
            self._visit(self._at(path), path, sub)

    def _at(self, path: CPath) -> JSON:
        node = self.value
        for step in path:
            node = node[step]  # type: ignore[index]  # found paths exist
        return node

    def _position(self, path: CPath) -> tuple[tuple[int, int | str], ...]:
        """Where the walk meets `path`: object keys sorted, arrays in walk order."""
        out: list[tuple[int, int | str]] = []
        node = self.value
        for depth, step in enumerate(path):
            if isinstance(node, list) and isinstance(step, int):
                out.append((0, self._order(node, path[:depth])[1][step]))
            else:
                out.append((1, step))
            node = node[step]  # type: ignore[index]
        return tuple(out)

    def _visit(self, node: JSON, path: CPath, sub: Callable[[str], str]) -> None:
        if isinstance(node, str):
            sub(node)
        elif isinstance(node, dict):
            for key in sorted(node):
                self._visit(node[key], (*path, key), sub)
        elif isinstance(node, list):
            for index in self._order(node, path)[0]:
                self._visit(node[index], (*path, index), sub)

    def _order(self, items: list[JSON], path: CPath) -> tuple[list[int], list[int]]:
        known = self.orders.get(id(items))
        if known is None:
            order = list(range(len(items)))
            if self.any_order((*self.at, *path)):
                keys = self._keys(items, path)
                order.sort(key=keys.__getitem__)
            places = [0] * len(items)
            for place, index in enumerate(order):
                places[index] = place
            known = self.orders[id(items)] = (order, places)
        return known

    def _keys(self, items: list[JSON], path: CPath) -> list[Key]:
        if self.joint is None:
            self.joint = self._refine_jointly()
        keys, colours = self.joint
        if path in keys:  # an outermost array compared in any order
            return keys[path]
        # Inside an element of such an array: the colours refined over the whole order it.
        return [_keyed(self._skeleton(item, (*path, i)), colours) for i, item in enumerate(items)]

    def _refine_jointly(self) -> tuple[dict[CPath, list[Key]], dict[str, int]]:
        """One refinement over the elements of every outermost array compared in any order,
        and over the rest of the value as one more element: an id in one array is linked to
        the same id in another (`users` and `orders[].user`) and to the fixed places outside
        them, as one comparison sees them."""
        arrays: list[CPath] = []
        elements: list[Skeleton] = [("d", (("\x00rest", self._skeleton(self.value, (), arrays)),))]
        owners: list[CPath | None] = [None]
        for path in arrays:
            array = self._at(path)
            assert isinstance(array, list)
            where = ("v", format_path(tuple(s if isinstance(s, str) else 0 for s in path)))
            for i, item in enumerate(array):
                element = self._skeleton(item, (*path, i))
                elements.append(("d", (("\x00array", where), ("\x00element", element))))
                owners.append(path)
        keys, colours = self._refined(elements)
        by_array: dict[CPath, list[Key]] = {path: [] for path in arrays}
        for owner, key in zip(owners, keys, strict=True):
            if owner is not None:
                by_array[owner].append(key)
        return by_array, colours

    def _refined(self, skeletons: list[Skeleton]) -> tuple[list[Key], dict[str, int]]:
        """Sort keys for the elements, and the final colours of their matches."""
        places = [list(_occurrences(skeleton)) for skeleton in skeletons]
        linked = _linked(places)
        flats = [_flat(skeleton) for skeleton in skeletons]
        marks: dict[int, int] = {}
        keys: list[Key] | None = None
        rounds = max(2, self.WORK // max(1, len(skeletons)))  # refining rounds it may use
        while True:
            # Each refining starts from the last stable colours: they are the same in both
            # outputs, and only the new mark has to travel.
            keys, colours, used = _stable_keys(
                skeletons, flats, places, marks, keys, min(rounds, len(skeletons) + 1)
            )
            rounds -= used
            tied = _first_linked_tie(keys, places, linked)
            if tied is None:
                return keys, colours
            if len(marks) >= self.MAX_MARKS or rounds <= 0:
                self.bounded = True  # alike linked elements keep the order they came in
                return keys, colours
            marks[tied] = len(marks)

    def _skeleton(self, node: JSON, path: CPath, arrays: list[CPath] | None = None) -> Skeleton:
        """`node` read once. With `arrays`, an array compared in any order is listed there
        and stands as ("v", "[]"): what is read is the value around such arrays."""
        if isinstance(node, str):
            if not self.scrubbed(path):
                return ("v", canonical(node))  # left as it is: plain text, not a link
            spans: list[tuple[int, int]] = []

            def cut(match: Any) -> str:
                spans.append(match.span())
                return ""

            self.regex.sub(cut, node)
            starts = [0, *(end for _start, end in spans)]
            ends = [*(start for start, _end in spans), len(node)]
            parts = tuple(node[a:b] for a, b in zip(starts, ends, strict=True))
            return ("s", parts, tuple(node[a:b] for a, b in spans))
        if isinstance(node, dict):
            members = [
                (key, self._skeleton(node[key], (*path, key), arrays)) for key in sorted(node)
            ]
            return ("d", tuple(members))
        if isinstance(node, list):
            any_order = self.any_order((*self.at, *path))
            if any_order and arrays is not None:
                arrays.append(path)
                return ("v", "[]")
            children = [self._skeleton(item, (*path, i), arrays) for i, item in enumerate(node)]
            return ("l", any_order, tuple(children))
        return ("v", canonical(node))


def _occurrences(skeleton: Skeleton, where: str = "") -> Iterator[tuple[str, str]]:
    """Each match with its place in the element: the path to its string (`[]` for a step
    into an array compared in any order, whose elements have no place) and its rank there."""
    tag = skeleton[0]
    if tag == "s":
        for rank, match in enumerate(skeleton[2]):
            yield f"{where}#{rank}", match
    elif tag == "d":
        for key, child in skeleton[1]:
            yield from _occurrences(child, f"{where}.{canonical(key)}")
    elif tag == "l":
        for index, child in enumerate(skeleton[2]):
            yield from _occurrences(child, f"{where}[{'' if skeleton[1] else index}]")


def _keyed(skeleton: Skeleton, colours: dict[str, int]) -> Key:
    """The skeleton with each match's colour (-1: not coloured yet). The tag comes first, so
    keys of different kinds compare by it and never compare their contents."""
    tag = skeleton[0]
    if tag == "s":
        return (3, skeleton[1], tuple(colours.get(match, -1) for match in skeleton[2]))
    if tag == "d":
        return (5, tuple((key, _keyed(child, colours)) for key, child in skeleton[1]))
    if tag == "l":
        children = [_keyed(child, colours) for child in skeleton[2]]
        return (4, tuple(sorted(children) if skeleton[1] else children))
    return (0, skeleton[1])


Flat = tuple[str, tuple[str, ...]]  # an element's text without its matches, and the matches


def _flat(skeleton: Skeleton) -> Flat | None:
    """The element as one text and its matches in order, when no array in it is compared in
    any order (the common case: keyed without walking the skeleton every round)."""
    text: list[str] = []
    matches: list[str] = []

    def walk(node: Skeleton) -> bool:
        tag = node[0]
        if tag == "s":
            text.append(_GAP.join(canonical(piece) for piece in node[1]))
            matches.extend(node[2])
        elif tag == "d":
            text.append("{")
            for key, child in node[1]:
                text.append(canonical(key) + ":")
                if not walk(child):
                    return False
            text.append("}")
        elif tag == "l":
            if node[1]:
                return False
            text.append("[")
            for child in node[2]:
                if not walk(child):
                    return False
                text.append(",")
            text.append("]")
        else:
            text.append(node[1])
        text.append(" ")
        return True

    return (_GAP.join(text), tuple(matches)) if walk(skeleton) else None


def _element_key(skeleton: Skeleton, flat: Flat | None, colours: dict[str, int]) -> Key:
    if flat is None:
        return _keyed(skeleton, colours)
    return (9, flat[0], tuple(colours.get(match, -1) for match in flat[1]))


def _stable_keys(
    skeletons: list[Skeleton],
    flats: list[Flat | None],
    places: list[Occurrences],
    marks: dict[int, int],
    start: list[Key] | None,
    rounds: int,
) -> tuple[list[Key], dict[str, int], int]:
    """Each element keyed with every match coloured by where it occurs, refined until no two
    more elements are told apart (or `rounds` are used): the keys (with the marks), the
    colours, and the rounds used."""
    colours: dict[str, int] = {}
    keys = [
        (start[i][0] if start else _element_key(skeleton, flats[i], colours), marks.get(i, -1))
        for i, skeleton in enumerate(skeletons)
    ]
    ranks = _ranks(keys)  # the keys as small numbers: signatures sort fast
    distinct = max(ranks, default=-1) + 1
    used = 0
    for used in range(1, rounds + 1):  # noqa: B007  # the count is returned
        seen: dict[str, list[tuple[int, str]]] = {}
        for rank, occurrences in zip(ranks, places, strict=True):
            for where, match in occurrences:
                seen.setdefault(match, []).append((rank, where))
        matches = list(seen)
        colours = dict(zip(matches, _ranks([tuple(sorted(seen[m])) for m in matches]), strict=True))
        keys = [
            (_element_key(s, flats[i], colours), marks.get(i, -1)) for i, s in enumerate(skeletons)
        ]
        ranks = _ranks(keys)
        if max(ranks, default=-1) + 1 == distinct:
            break
        distinct = max(ranks, default=-1) + 1
    return keys, colours, used


def _ranks(values: list[Any]) -> list[int]:
    """Each value's place among the distinct values, sorted."""
    place = {value: n for n, value in enumerate(sorted(set(values)))}
    return [place[value] for value in values]


def _linked(places: list[Occurrences]) -> set[str]:
    """Matches found in more than one element."""
    holders: dict[str, int] = {}
    for occurrences in places:
        for match in {match for _where, match in occurrences}:
            holders[match] = holders.get(match, 0) + 1
    return {match for match, count in holders.items() if count > 1}


def _first_linked_tie(keys: list[Key], places: list[Occurrences], linked: set[str]) -> int | None:
    """The first element (in the array's order) of the smallest key shared by elements
    linked to others differently; None when there is none. Alike elements holding only their
    own matches, or the same linked matches at the same places (leaves of one parent), are
    interchangeable as they are."""
    groups: dict[Key, list[int]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(key, []).append(index)
    for key in sorted(groups):
        members = groups[key]
        links = {
            tuple(sorted((where, m) for where, m in places[i] if m in linked)) for i in members
        }
        if len(links) > 1:
            return members[0]
    return None
