"""Bad-review cases (差评工单): one per bad evaluation, routed to the responsible department."""
