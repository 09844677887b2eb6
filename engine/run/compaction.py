"""Keep a looping workflow's task tree small: splice out finished, repeated tasks.

SpiffWorkflow never forgets a task: every pass round a loop (a draft returned
to its author) appends the loop's tasks below the previous pass, so the tree
and the stored state grow with every return, and each step walks and stores
all of it (1,000 returns took minutes).  A finished task whose only child is
finished too, and whose element ran again later, no longer influences
anything: its data has been copied on, the history keeps what it did, and
gateways and helpers read only the latest pass.  Splicing it out (its child
takes its place under its parent) keeps ancestry between the remaining tasks,
so joins and boundary events behave as before.

Compaction is a pure function of the tree, so a live workflow, a reloaded one
and a replayed one compact to the same state.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

FINISHED = TaskState.COMPLETED | TaskState.CANCELLED


def compact(workflow: BpmnWorkflow) -> None:
    """Splice repeated finished tasks out of ``workflow`` and its subprocesses."""
    keep = set(workflow.subprocesses)  # a call activity's task names its subprocess
    for tree in [workflow, *workflow.subprocesses.values()]:
        _compact_tree(tree, keep)


def _preorder(tree) -> list:
    """Return the tasks of ``tree`` parents first, without recursion."""
    order, stack = [], [tree.task_tree]
    while stack:
        task = stack.pop()
        order.append(task)
        stack.extend(reversed(task.children))
    return order


def _compact_tree(tree, keep: set) -> None:
    order = _preorder(tree)
    latest = {t.task_spec.name: t.id for t in order if t.has_state(FINISHED)}
    for task in order:
        if task.id not in keep and latest.get(task.task_spec.name, task.id) != task.id \
                and _spliceable(task):
            _splice(tree, task)


def _spliceable(task) -> bool:
    """Finished, with a parent and exactly one child that is finished too."""
    if not task.has_state(FINISHED) or task.parent is None or len(task._children) != 1:
        return False
    child = task.children[0]
    return child is not None and child.has_state(FINISHED)


def _splice(tree, task) -> None:
    parent, child = task.parent, task.children[0]
    parent._children = [child.id if c == task.id else c for c in parent._children]
    child._parent = parent.id
    del tree.tasks[task.id]
    for changed in (parent, child):  # their stored form changed: drop the memo
        changed.__dict__.pop("_shenfa_memo", None)
