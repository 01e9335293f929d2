DROP TABLE memberships;
DROP TABLE workspaces;
DROP TABLE users;
