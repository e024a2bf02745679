"""The policy staff's model registry: stored versions of the BPMN models with their forms and test cases,
validation before anything is stored, diffs between versions, dry runs of the test cases, the editor
pages, the REST API and the ``haochaping models`` commands.

The engine itself (parsing, running, the expression sandbox) is ``app.workflow``; this package decides
which version is deployed and what policy staff may change.
"""
