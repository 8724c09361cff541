-- Rejected VPC flows by source, destination port and protocol.
-- Parameters: the first and the last day to read, 'YYYY-MM-DD' (UTC), e.g. '2026-03-01', '2026-03-31'.
SELECT srcaddr,
       dstport,
       protocol,
       count(*) AS flows,
       sum(coalesce(packets, 0)) AS packets
FROM vpc_flow
WHERE concat(year, '-', month, '-', day) BETWEEN ? AND ?
  AND action = 'REJECT'
GROUP BY srcaddr, dstport, protocol
ORDER BY flows DESC
LIMIT 100;
