"""Co-membership on sparse matrices: what is asked is computed, nothing more is materialised.

The membership incidence matrix ``B`` (actors x organizations, 1 where the actor is a member) gives
every co-membership count: ``B @ B.T`` among actors, ``B.T @ B`` among organizations. At 100,000
memberships the actor projection has tens of millions of pairs: networkx needed minutes and
gigabytes to hold it as a graph, while the sparse product takes seconds. So this module never
builds the whole projection at once: it works in row blocks and keeps only what is asked

* one actor's co-members (a single sparse row times ``B.T``),
* the top ``k`` pairs (a running selection over the blocks),
* the pairs sharing at least ``t`` organizations (filtered block by block),
* the number of such pairs (counted block by block),
* each actor's weighted degree (sum of shared counts) without any product at all:
  ``sum over the actor's organizations of (size - 1)``.

Jaccard = shared / (|A| + |B| - shared); overlap coefficient = shared / min(|A|, |B|).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .facts import Facts

BLOCK_CELLS = 4_000_000  # product entries per row block (about 100 MB of work arrays)


@dataclass(frozen=True)
class Pair:
    """Two actors (or organizations) and what they share."""

    a: str
    b: str
    shared: int
    jaccard: float
    overlap: float
    shared_ids: tuple[str, ...] = ()


class Incidence:
    """The actor x organization membership matrix with its two index lists."""

    def __init__(self, actors: list[str], orgs: list[str], matrix: sp.csr_matrix) -> None:
        self.actors = actors
        self.orgs = orgs
        self.matrix = matrix.tocsr()
        self.matrix.sort_indices()
        self._t = self.matrix.T.tocsr()
        self._t.sort_indices()
        self.actor_index = {a: i for i, a in enumerate(actors)}
        self.org_index = {o: i for i, o in enumerate(orgs)}

    @classmethod
    def from_facts(cls, facts: Facts) -> Incidence:
        return cls.from_pairs([(m.member, m.organization) for m in facts.memberships])

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, str]]) -> Incidence:
        actors = sorted({a for a, _ in pairs})
        orgs = sorted({o for _, o in pairs})
        ai = {a: i for i, a in enumerate(actors)}
        oi = {o: i for i, o in enumerate(orgs)}
        rows = np.fromiter((ai[a] for a, _ in pairs), dtype=np.int32, count=len(pairs))
        cols = np.fromiter((oi[o] for _, o in pairs), dtype=np.int32, count=len(pairs))
        data = np.ones(len(pairs), dtype=np.int32)
        matrix = sp.csr_matrix((data, (rows, cols)), shape=(len(actors), len(orgs)))
        matrix.data[:] = 1  # a pair stated twice is one membership
        return cls(actors, orgs, matrix)

    # --- one side or the other -------------------------------------------------------------

    def _side(self, among: str) -> tuple[sp.csr_matrix, sp.csr_matrix, list[str], list[str]]:
        """(rows, rows transposed, names of rows, names of the shared things)."""
        if among == "actors":
            return self.matrix, self._t, self.actors, self.orgs
        if among in ("organizations", "orgs"):
            return self._t, self.matrix, self.orgs, self.actors
        raise ValueError(f"among must be 'actors' or 'organizations', not {among!r}")

    def sizes(self, among: str = "actors") -> np.ndarray:
        rows, _, _, _ = self._side(among)
        return np.diff(rows.indptr)

    def weighted_degree(self, among: str = "actors") -> np.ndarray:
        """Sum of shared counts with every other row: no product needed."""
        rows, _, _, _ = self._side(among)
        other_sizes = self.sizes("organizations" if among == "actors" else "actors")
        return rows @ (other_sizes - 1)

    def _blocks(self, among: str) -> Iterator[tuple[int, sp.coo_matrix]]:
        """Row blocks of the product, each holding about :data:`BLOCK_CELLS` entries at most.

        A row's share of the product is bounded by the summed sizes of its organizations, so
        blocks are cut on the running sum of that bound: memory stays flat whatever the skew.
        """
        rows, _, _, _ = self._side(among)
        start = 0
        for block in self._product_blocks(among):
            yield start, block.tocoo()
            start += block.shape[0]

    def _product_blocks(self, among: str) -> Iterator[sp.csr_matrix]:
        """The row blocks of :meth:`_blocks`, in order, as they come out of the product."""
        rows, transposed, _, _ = self._side(among)
        n = rows.shape[0]
        if n == 0:
            return
        work = np.cumsum(rows @ np.diff(transposed.indptr).astype(np.int64))
        start = 0
        while start < n:
            base = work[start - 1] if start else 0
            stop = int(np.searchsorted(work, base + BLOCK_CELLS, side="right"))
            stop = max(stop, start + 1)
            yield rows[start:stop] @ transposed
            start = stop

    def _upper(self, start: int, block: sp.coo_matrix) -> tuple[np.ndarray, ...]:
        i = block.row.astype(np.int64) + start
        keep = block.col > i
        return i[keep], block.col[keep].astype(np.int64), block.data[keep]

    def nodes(self) -> list[str]:
        """The membership view's nodes: every actor and organization, once (a network that is
        a member of another network is both)."""
        return sorted(set(self.actors) | set(self.orgs))

    def components(self) -> list[list[str]]:
        """The membership view's connected components, each as its sorted nodes, the largest
        first (ties: by first node): networkx's ``connected_components`` of that view, from the
        matrix (scipy; no graph built)."""
        from scipy.sparse.csgraph import connected_components

        nodes, adjacency = self.adjacency(self_loops=True)
        if not nodes:
            return []
        _, labels = connected_components(adjacency, directed=False)
        order = np.argsort(labels, kind="stable")  # nodes are sorted: each part stays sorted
        bounds = np.cumsum(np.bincount(labels))[:-1]
        parts = [[nodes[i] for i in part] for part in np.split(order, bounds)]
        return sorted(parts, key=lambda part: (-len(part), part[0]))

    def adjacency(self, *, self_loops: bool = False) -> tuple[list[str], sp.csr_matrix]:
        """The membership view as an undirected graph: its nodes (:meth:`nodes`) and their
        symmetric 0/1 adjacency matrix; an organization stated as its own member is a self-loop,
        left out unless ``self_loops``."""
        nodes = self.nodes()
        index = {n: i for i, n in enumerate(nodes)}
        coo = self.matrix.tocoo()
        to_node = np.array([index[a] for a in self.actors], dtype=np.int64)
        from_org = np.array([index[o] for o in self.orgs], dtype=np.int64)
        rows, cols = to_node[coo.row], from_org[coo.col]
        if not self_loops:
            keep = rows != cols
            rows, cols = rows[keep], cols[keep]
        both = (np.concatenate([rows, cols]), np.concatenate([cols, rows]))
        ones = np.ones(len(both[0]), dtype=np.int32)
        adjacency = sp.csr_matrix((ones, both), shape=(len(nodes), len(nodes)))
        adjacency.data[:] = 1  # a member of an organization that is also its member: one edge
        adjacency.sort_indices()
        return nodes, adjacency

    def component_sizes(self) -> list[int]:
        """The sizes of :meth:`components`, largest first."""
        return [len(part) for part in self.components()]

    def count_pairs(self, among: str = "actors", min_shared: int = 1) -> int:
        if min_shared <= 1:
            # Every stored entry of the (symmetric) product is a pair sharing at least one, or
            # a row with itself: no need to look at the entries one by one.
            rows, transposed, _, _ = self._side(among)
            busy = int(np.count_nonzero(np.diff(rows.indptr)))
            product_work = int(np.sum(np.diff(transposed.indptr).astype(np.int64) ** 2))
            bitset_work = rows.nnz * (rows.shape[0] // 64 + 1)
            if bitset_work < product_work:
                return (int(self.reach(among).sum()) - busy) // 2
            stored = sum(block.nnz for block in self._product_blocks(among))
            return (stored - busy) // 2
        total = 0
        for start, block in self._blocks(among):
            _, _, shared = self._upper(start, block)
            total += int(np.count_nonzero(shared >= min_shared))
        return total

    def reach(self, among: str = "actors") -> np.ndarray:
        """For each row, how many rows (itself included) share at least one column with it:
        the stored entries of its row of the product, counted without the product. Each column
        is a bitset of its rows; a row's reach is the population count of the union of its
        columns' bitsets. Work: memberships x rows / 64 word operations, against the product's
        sum of squared column sizes, which one organization holding most cities makes
        quadratic (60,000 members: 3.6 billion entries)."""
        rows, transposed, _, _ = self._side(among)
        n = rows.shape[0]
        words = n // 64 + 1
        bits = np.zeros((transposed.shape[0], words), dtype=np.uint64)
        members = transposed.indices.astype(np.int64)
        column = np.repeat(np.arange(transposed.shape[0]), np.diff(transposed.indptr))
        np.bitwise_or.at(
            bits.ravel(),
            column * words + (members >> 6),
            np.left_shift(np.uint64(1), (members & 63).astype(np.uint64)),
        )
        reach = np.zeros(n, dtype=np.int64)
        seen: dict[bytes, int] = {}
        for i in range(n):
            columns = rows.indices[rows.indptr[i] : rows.indptr[i + 1]]
            if not len(columns):
                continue
            key = columns.tobytes()
            if key not in seen:  # rows with the same columns reach the same rows
                union = np.bitwise_or.reduce(bits[columns], axis=0)
                seen[key] = int(np.bitwise_count(union).sum())
            reach[i] = seen[key]
        return reach

    def degree(self, among: str = "actors") -> np.ndarray:
        """Number of distinct co-members of each row (needs the products, block by block)."""
        rows, _, _, _ = self._side(among)
        out = np.zeros(rows.shape[0], dtype=np.int64)
        for start, block in self._blocks(among):
            off_diagonal = block.row + start != block.col
            np.add.at(out, block.row[off_diagonal] + start, 1)
        return out

    def _pair(self, among: str, i: int, j: int, shared: int, with_ids: bool) -> Pair:
        rows, _, names, others = self._side(among)
        sizes = np.diff(rows.indptr)
        size_i, size_j = int(sizes[i]), int(sizes[j])
        ids: tuple[str, ...] = ()
        if with_ids:
            common = np.intersect1d(
                rows.indices[rows.indptr[i] : rows.indptr[i + 1]],
                rows.indices[rows.indptr[j] : rows.indptr[j + 1]],
                assume_unique=True,
            )
            ids = tuple(others[k] for k in common)
        return Pair(
            names[i],
            names[j],
            int(shared),
            shared / (size_i + size_j - shared),
            shared / min(size_i, size_j),
            ids,
        )

    def pairs(
        self, among: str = "actors", *, min_shared: int = 1, with_ids: bool = True
    ) -> Iterator[Pair]:
        """Every pair sharing at least ``min_shared``, in row order (a before b, by name)."""
        for start, block in self._blocks(among):
            i, j, shared = self._upper(start, block)
            keep = shared >= min_shared
            i, j, shared = i[keep], j[keep], shared[keep]
            order = np.lexsort((j, i))
            for k in order:
                yield self._pair(among, int(i[k]), int(j[k]), int(shared[k]), with_ids)

    def top_pairs(
        self, among: str = "actors", k: int = 20, *, key: str = "shared", with_ids: bool = True
    ) -> list[Pair]:
        """The ``k`` pairs sharing the most (ties broken by names), kept block by block."""
        best_i = np.empty(0, dtype=np.int64)
        best_j = np.empty(0, dtype=np.int64)
        best_s = np.empty(0, dtype=np.int64)
        floor = 1  # the k-th best count so far: a block's pairs below it cannot enter
        for start, block in self._blocks(among):
            i, j, shared = self._upper(start, block)
            keep = shared >= floor
            i, j, shared = i[keep], j[keep], shared[keep]
            best_i = np.concatenate([best_i, i])
            best_j = np.concatenate([best_j, j])
            best_s = np.concatenate([best_s, shared.astype(np.int64)])
            if len(best_s) > 4 * k:
                # keep every pair tied with the k-th best, so ties are broken by name later
                threshold = np.partition(best_s, len(best_s) - k)[len(best_s) - k]
                keep = best_s >= threshold
                best_i, best_j, best_s = best_i[keep], best_j[keep], best_s[keep]
                floor = int(threshold)
        order = np.lexsort((best_j, best_i, -best_s))[:k]
        pairs = [
            self._pair(among, int(best_i[o]), int(best_j[o]), int(best_s[o]), with_ids)
            for o in order
        ]
        if key != "shared":
            pairs.sort(key=lambda p: (-getattr(p, key), p.a, p.b))
        return pairs

    def co_members(self, name: str, among: str = "actors") -> list[Pair]:
        """One row's co-members, most shared first: a single sparse row times the transpose."""
        rows, transposed, names, _ = self._side(among)
        index = (self.actor_index if among == "actors" else self.org_index)[name]
        row = (rows[index] @ transposed).tocoo()
        found = []
        for j, shared in zip(row.col, row.data, strict=True):
            if j != index:
                a, b = (index, int(j))
                pair = self._pair(among, a, b, int(shared), True)
                found.append(pair)
        found.sort(key=lambda p: (-p.shared, p.b))
        return found

    def overlap_matrix(self, names: list[str] | None = None) -> tuple[list[str], np.ndarray]:
        """Organizations x organizations shared-member counts (diagonal: member counts), dense.

        Dense on purpose: it is only asked for a readable number of organizations (the report's
        heatmap, ``analyze overlap``); pass ``names`` to choose which.
        """
        chosen = names if names is not None else self.orgs
        idx = [self.org_index[n] for n in chosen]
        columns = self.matrix[:, idx]
        return chosen, (columns.T @ columns).toarray().astype(int)


# --- measures of a graph given by its adjacency matrix -------------------------------------------


def dependency_sums(
    adjacency: sp.csr_matrix, sources: list[int], *, batch: int | None = None
) -> np.ndarray:
    """Brandes' betweenness before rescaling: for every node ``v``, the sum over the ``sources``
    ``s != v`` of the share of shortest paths from ``s`` that pass through ``v`` (the graph is
    undirected and unweighted: ``adjacency`` is its symmetric 0/1 matrix).

    The same sums as networkx's ``betweenness_centrality`` accumulates, source by source, but
    for a batch of sources at once: each breadth-first level is one sparse product of the
    adjacency with the batch's frontier (path counts flow along the edges), and the dependencies
    flow back level by level the same way. Work ``2 x levels x edges x sources`` in C, against a
    Python loop over every edge for every source; memory a few ``nodes x batch`` arrays (64
    sources at most, fewer where ``nodes x batch`` would pass :data:`BLOCK_CELLS`).
    """
    n = adjacency.shape[0]
    total = np.zeros(n)
    if n == 0:
        return total
    batch = batch or max(1, min(64, BLOCK_CELLS // n))
    a = adjacency.astype(np.float64).tocsr()
    for start in range(0, len(sources), batch):
        chosen = np.asarray(sources[start : start + batch], dtype=np.int64)
        columns = np.arange(len(chosen))
        dist = np.full((n, len(chosen)), -1, dtype=np.int32)
        sigma = np.zeros((n, len(chosen)))  # shortest paths from the column's source
        dist[chosen, columns] = 0
        sigma[chosen, columns] = 1.0
        frontier = sigma.copy()
        level = 0
        while True:
            reached = a @ frontier  # paths into each node from the nodes one level up
            new = (reached > 0) & (dist < 0)
            if not new.any():
                break
            level += 1
            dist[new] = level
            sigma[new] = reached[new]
            frontier = np.where(new, reached, 0.0)
        delta = np.zeros_like(sigma)
        safe = np.where(sigma > 0, sigma, 1.0)
        for depth in range(level, 0, -1):
            here = dist == depth
            share = np.where(here, (1.0 + delta) / safe, 0.0)
            back = a @ share  # each node's successors' shares, one level down
            delta += np.where(dist == depth - 1, sigma * back, 0.0)
        delta[chosen, columns] = 0.0  # a source is not between itself and anything
        total += delta.sum(axis=1)
    return total


def betweenness(adjacency: sp.csr_matrix, sources: list[int] | None = None) -> np.ndarray:
    """Normalised betweenness of an undirected, unweighted graph (its symmetric adjacency),
    endpoints excluded: from every node, or estimated from the ``sources`` (pivots, as node
    indices), rescaled as networkx (3.5 and later) rescales
    ``betweenness_centrality(G, k=len(sources), normalized=True)`` for those pivots."""
    n = adjacency.shape[0]
    binary = adjacency.copy()
    binary.data[:] = 1.0
    picked = list(range(n)) if sources is None else list(sources)
    sums = dependency_sums(binary, picked)
    pairs = n - 1  # endpoints excluded: v is never the target either
    if pairs < 2:
        return np.zeros(n)
    if len(picked) == n:
        return sums / (pairs * (pairs - 1))
    k = len(picked)
    scale = np.full(n, 1.0 / (k * (pairs - 1)))
    scale[picked] = 1.0 / ((k - 1) * (pairs - 1)) if k > 1 else np.nan
    return sums * scale


def pagerank(
    adjacency: sp.csr_matrix, alpha: float = 0.85, max_iter: int = 100, tol: float = 1.0e-6
) -> np.ndarray:
    """PageRank of a graph given by its (weighted) adjacency: networkx's ``pagerank`` with its
    defaults (uniform start, teleport and dangling weights; the same power iteration and
    stopping rule), without a networkx graph to convert first."""
    n = adjacency.shape[0]
    if n == 0:
        return np.zeros(0)
    a = sp.csr_array(adjacency, dtype=float)
    out = np.asarray(a.sum(axis=1)).ravel()
    out[out != 0] = 1.0 / out[out != 0]
    a = sp.dia_array((out.T, 0), shape=a.shape).tocsr() @ a
    x = np.repeat(1.0 / n, n)
    p = np.repeat(1.0 / n, n)
    dangling = np.where(out == 0)[0]
    for _ in range(max_iter):
        last = x
        x = alpha * (x @ a + sum(x[dangling]) * p) + (1 - alpha) * p
        if np.absolute(x - last).sum() < n * tol:
            return x
    raise ValueError(f"PageRank did not converge in {max_iter} iterations")


def core_numbers(adjacency: sp.csr_matrix) -> np.ndarray:
    """Each node's core number (the largest k such that it belongs to the k-core) of the
    undirected graph of a symmetric 0/1 ``adjacency`` without self-loops: networkx's
    ``core_number``, by the same peeling (Batagelj and Zaversnik), a whole layer at a time
    with numpy. Peeling a layer only touches the edges of the nodes it removes."""
    n = adjacency.shape[0]
    indptr, indices = adjacency.indptr, adjacency.indices
    degree = np.diff(indptr).astype(np.int64)
    core = np.zeros(n, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    left, k = n, 0
    while left:
        k = max(k, int(degree[alive].min()))
        peel = np.flatnonzero(alive & (degree <= k))
        while peel.size:
            core[peel] = k
            alive[peel] = False
            left -= peel.size
            starts, lengths = indptr[peel], indptr[peel + 1] - indptr[peel]
            if not lengths.sum():
                break
            offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
            neighbours = indices[offsets + np.arange(lengths.sum())]
            neighbours = neighbours[alive[neighbours]]
            touched, lost = np.unique(neighbours, return_counts=True)
            degree[touched] -= lost
            peel = touched[degree[touched] <= k]
    return core
