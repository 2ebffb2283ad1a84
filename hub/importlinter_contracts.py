"""An import-linter contract: no import cycle inside a package, except between named siblings.

ARCHITECTURE.md allows one cycle inside an app: `services` enqueues `tasks`, and `tasks` call
`services`. import-linter's own `acyclic_siblings` contract can only be told to ignore single
imports, and ignoring `tasks -> services` would also hide a longer cycle through that import
(`tasks -> services -> selectors -> tasks`). This contract instead groups the siblings of every
package (at any depth) into strongly connected components and allows a component only when all
its members belong to one allowed group, so `{services, tasks}` passes and
`{selectors, services, tasks}` is reported with the imports that close it.

Configured in pyproject.toml (`contract_types`); run by `lint-imports` in CI and `make lint`.
"""

from collections import defaultdict

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils
from importlinter.domain.helpers import module_expressions_to_modules

# Imports shown per cycle, enough to find it without flooding the CI log.
_SHOWN_IMPORTS = 8


def _child_of(package: str, module: str) -> str | None:
    """The child of `package` that is `module` or contains it, or None when it lies outside."""
    prefix = package + "."
    if not module.startswith(prefix):
        return None
    return prefix + module[len(prefix) :].split(".", 1)[0]


def _strongly_connected(nodes: list[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative so a deep package never hits the recursion limit."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(edges[successor]))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


class AcyclicSiblingsExceptContract(Contract):
    """No cycle between the children of any package under `ancestors`, except `allowed_cycles`.

    Options:
        - ancestors:        module expressions (wildcards allowed, e.g. `*` for every root package);
                            every package inside them is checked, at any depth.
        - allowed_cycles:   groups of sibling names written `services | tasks`: a cycle whose
                            members all belong to one group is allowed, in any package.
        - ignore_imports:   imports to leave out, as in import-linter's own contracts.
        - unmatched_ignore_imports_alerting: `none`, `warn` or `error` (the default).
    """

    type_name = "acyclic_siblings_except"

    ancestors = fields.SetField(subfield=fields.ModuleExpressionField())
    allowed_cycles = fields.ListField(subfield=fields.StringField(), required=False)
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def _allowed_groups(self) -> list[set[str]]:
        return [{name.strip() for name in group.split("|")} for group in self.allowed_cycles or []]

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,
            unmatched_alerting=self.unmatched_ignore_imports_alerting,
        )
        allowed = self._allowed_groups()
        packages: set[str] = set()
        for ancestor in module_expressions_to_modules(graph, self.ancestors, raise_if_unmatched=True):
            packages.add(ancestor.name)
            packages.update(graph.find_descendants(ancestor.name))
        cycles = []
        for package in sorted(packages):
            children = sorted(graph.find_children(package))
            if len(children) < 2:
                continue
            edges: dict[str, set[str]] = defaultdict(set)
            imports: dict[tuple[str, str], list[str]] = defaultdict(list)
            for child in children:
                for module in sorted({child} | graph.find_descendants(child)):
                    for imported in sorted(graph.find_modules_directly_imported_by(module)):
                        target = _child_of(package, imported)
                        if target is None or target == child:
                            continue
                        edges[child].add(target)
                        for detail in graph.get_import_details(importer=module, imported=imported):
                            imports[(child, target)].append(f"{module} -> {imported} (l.{detail['line_number']})")
            for component in _strongly_connected(children, edges):
                if len(component) < 2:
                    continue
                names = {member.rsplit(".", 1)[1] for member in component}
                if any(names <= group for group in allowed):
                    output.verbose_print(verbose, f"Allowed cycle in {package}: {', '.join(sorted(names))}")
                    continue
                members = set(component)
                closing = [
                    line
                    for (importer, imported), lines in sorted(imports.items())
                    if importer in members and imported in members
                    for line in lines
                ]
                cycles.append({"package": package, "members": sorted(names), "imports": closing})
        return ContractCheck(
            kept=not cycles,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"cycles": cycles},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        allowed = ", ".join(" <-> ".join(sorted(group)) for group in self._allowed_groups()) or "none"
        for cycle in check.metadata["cycles"]:
            output.print_error(f"Import cycle in {cycle['package']} between {', '.join(cycle['members'])}:")
            output.new_line()
            for line in cycle["imports"][:_SHOWN_IMPORTS]:
                output.indent_cursor()
                output.print_error(f"- {line}", bold=False)
            hidden = len(cycle["imports"]) - _SHOWN_IMPORTS
            if hidden > 0:
                output.indent_cursor()
                output.print_error(f"(and {hidden} more)", bold=False)
            output.new_line()
        output.print(f"Allowed cycles: {allowed}. Break the others by moving the shared code to a lower module.")
