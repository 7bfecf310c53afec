"""Stage 1, intake: parsing cells, reading bulk files and campus workbooks, the year folder, the template, the watch."""
