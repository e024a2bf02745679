"""The supervision office's desk: review queues (appeals, invalid reviews, extensions, supervision orders,
return visits, close-outs) and the board of overdue and due-soon tasks, within the office's scope."""
