-- Rejected VPC flows by source, destination port and protocol.
SELECT srcaddr,
       dstport,
       protocol,
       count(*) AS flows,
       sum(coalesce(packets, 0)) AS packets
FROM vpc_flow
WHERE action = 'REJECT'
GROUP BY srcaddr, dstport, protocol
ORDER BY flows DESC
LIMIT 100;
