-- Name keys (#6 of the third hardening round): hosts.user_name_key and
-- groups.display_name_key were strings.ToLower of the name; they are now
-- namekey.Key (NFKC, default-ignorable characters dropped, full case
-- folding), so that names people cannot tell apart are one name.
--
-- SQL cannot compute that key: this step's work is Go, rekeyNames in
-- rekey.go, run right after this file in the same transaction. It also
-- decides what happens when two live hosts (or groups) come to share a key.
SELECT 1;
