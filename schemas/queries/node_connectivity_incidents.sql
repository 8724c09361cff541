-- Connectivity lost / re-established between nodes, newest first.
SELECT timestamp,
       node AS reported_by,
       fields['node'] AS affected_node,
       fields['src_node'] AS source_node,
       message
FROM pexip_support
WHERE name = 'administrator.system.connectivity'
ORDER BY timestamp DESC
LIMIT 200;
