-- Connectivity lost / re-established between nodes, newest first.
-- Parameters: the first and the last day to read, 'YYYY-MM-DD' (UTC), e.g. '2026-03-01', '2026-03-31'.
SELECT timestamp,
       node AS reported_by,
       element_at(fields, 'node') AS affected_node,
       element_at(fields, 'src_node') AS source_node,
       message
FROM pexip_support
WHERE concat(year, '-', month, '-', day) BETWEEN ? AND ?
  AND name = 'administrator.system.connectivity'
ORDER BY timestamp DESC
LIMIT 200;
