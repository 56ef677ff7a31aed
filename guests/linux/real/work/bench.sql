-- Workload for sqlite3.rv64 (in-memory database, script on stdin).
-- Deterministic: no random(), no time, every query ordered.
CREATE TABLE item(id INTEGER PRIMARY KEY, cat INTEGER, name TEXT, price REAL, qty INTEGER);
CREATE TABLE cat(id INTEGER PRIMARY KEY, label TEXT);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 15)
INSERT INTO cat SELECT i, 'cat-' || printf('%02d', i) FROM n;
BEGIN;
WITH RECURSIVE n(i, s) AS (
  SELECT 1, 12345
  UNION ALL
  SELECT i + 1, (s * 1103515245 + 12345) % 2147483648 FROM n WHERE i < 25000)
INSERT INTO item SELECT i, (s >> 8) % 16, 'item' || printf('%04X', (s >> 7) % 65536), ((s >> 4) % 100000) / 100.0, (s >> 12) % 50 FROM n;
COMMIT;
CREATE INDEX item_cat ON item(cat, price);
SELECT count(*), sum(qty), printf('%.2f', sum(price * qty)), min(price), max(price) FROM item;
SELECT c.label, count(*) AS n, printf('%.3f', avg(i.price)) AS avg_price, sum(i.qty) AS qty
  FROM item i JOIN cat c ON c.id = i.cat GROUP BY c.label ORDER BY c.label;
SELECT cat, name, price FROM (
  SELECT cat, name, price, row_number() OVER (PARTITION BY cat ORDER BY price DESC, id) AS rk FROM item)
  WHERE rk = 1 ORDER BY cat;
SELECT substr(name, 5, 1) AS h, count(*), printf('%.2f', total(price)) FROM item GROUP BY h ORDER BY h;
UPDATE item SET price = round(price * 1.1, 2) WHERE cat IN (3, 7, 11);
DELETE FROM item WHERE qty = 0;
SELECT count(*), printf('%.2f', sum(price)) FROM item;
SELECT count(DISTINCT name), count(*) FILTER (WHERE name LIKE '%FF%') FROM item;
SELECT json_group_array(json_object('id', id, 'p', price)) FROM (SELECT id, price FROM item WHERE id % 2500 = 0 ORDER BY id);
CREATE VIRTUAL TABLE doc USING fts5(body);
INSERT INTO doc SELECT group_concat(name, ' ') FROM item GROUP BY id / 100;
SELECT count(*) FROM doc WHERE doc MATCH 'item1F* OR itemA0*';
WITH RECURSIVE fib(k, a, b) AS (SELECT 0, 0, 1 UNION ALL SELECT k + 1, b, a + b FROM fib WHERE k < 90)
SELECT k, a FROM fib WHERE k % 15 = 0;
SELECT printf('%.6f', sqrt(2)), printf('%.6f', exp(1)), printf('%.6f', pi());
PRAGMA integrity_check;
