"""Statistics with the national-standard definitions, monthly reports, frozen snapshots and disclosure.

``indicators`` defines every figure; ``counts`` and ``cases`` read the data; ``service`` puts them together
for the API, the dashboards, the reports and the snapshots, so all of them show the same numbers.
"""
