"""系统管理: the system administrator's pages for accounts, API tokens and the org tree.

State changes go through ``app.user.service`` and ``app.org.service``; this package only reads, checks the
administrator's scope and renders.
"""
