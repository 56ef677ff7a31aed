-- -init file for sqlite3.rv64 (keeps ~/.sqliterc of the host out of the run)
.headers on
.mode list
