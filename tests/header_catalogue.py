"""A catalogue of date header lines in the styles of real news sites (names and dates made up).

Each row: (style, the header as it stands above the story, the day it says, as printed).
``tests/test_dates_header.py`` reads every row; add a row when a site's format is missed.
"""

from __future__ import annotations

from datetime import date

D = date(2019, 3, 14)  # Thursday 14 March 2019, the day every row below prints
CATALOGUE: list[tuple[str, str, date]] = [
    # BBC
    ("bbc", "Published\n14 March 2019", D),
    ("bbc", "14 March 2019", D),
    ("bbc", "By Jane Okafor\nBBC News\n14 March 2019", D),
    ("bbc", "Published 14 March 2019", D),
    ("bbc", "Page last updated at 10:22 GMT, Thursday, 14 March 2019", D),
    ("bbc", "Last Updated: Thursday, 14 March 2019, 10:22 GMT", D),
    # Guardian
    ("guardian", "Thu 14 Mar 2019 10.22 GMT", D),
    ("guardian", "Last modified on Thu 14 Mar 2019 12.05 GMT", D),
    ("guardian", "Jane Okafor\nThu 14 Mar 2019 06.00 EDT", D),
    # Telegraph
    ("telegraph", "14 March 2019 • 10:22am", D),
    ("telegraph", "By Jane Okafor, Political Editor\n14 March 2019 • 10:22pm", D),
    ("telegraph", "Updated 14 March 2019 • 12:05pm", D),
    # Daily Mail
    ("mail", "PUBLISHED: 10:22 GMT, 14 March 2019 | UPDATED: 12:05 GMT, 14 March 2019", D),
    (
        "mail",
        "By. Jane Okafor. PUBLISHED:. 10:22 EST, 14 March 2019. |. UPDATED:. 12:05 EST, 14 March 2019.",
        D,
    ),
    ("mail", "Last updated at 1:25 AM on 14th March 2019", D),
    # Independent, Sky, regional UK (Reach, Newsquest)
    ("independent", "Thursday 14 March 2019 10:22 GMT", D),
    ("sky", "Thursday 14 March 2019 10:22, UK", D),
    ("reach", "10:22, 14 MAR 2019", D),
    ("reach", "Updated 12:05, 14 MAR 2019", D),
    ("newsquest", "14th March 2019", D),
    ("newsquest", "By Jane Okafor | Published: 14th March 2019", D),
    ("regional", "Thursday, March 14, 2019", D),
    ("regional", "Thursday 14 March 2019 10:22 am", D),
    # New York Times
    ("nyt", "March 14, 2019", D),
    ("nyt", "Published March 14, 2019 Updated March 15, 2019", D),
    ("nyt", "March 14, 2019, 10:22 a.m. ET", D),
    ("nyt", "By Jane Okafor\nMarch 14, 2019", D),
    # Washington Post
    ("wapo", "March 14, 2019 at 10:22 a.m. EDT", D),
    ("wapo", "Published March 14, 2019", D),
    ("wapo", "Updated March 14, 2019 at 12:05 p.m. EDT", D),
    # Associated Press
    ("ap", "Published 10:22 AM EDT, March 14, 2019", D),
    ("ap", "Updated 10:22 AM EDT, March 14, 2019", D),
    ("ap", "March 14, 2019 GMT", D),
    # Reuters
    ("reuters", "March 14, 2019 10:22 AM GMT", D),
    ("reuters", "MARCH 14, 2019 / 10:22 AM / UPDATED 2 HOURS AGO", D),
    ("reuters", "March 14, 20194:22 PM UTCUpdated 2 hours ago", D),
    # Al Jazeera
    ("aljazeera", "Published On 14 Mar 2019", D),
    ("aljazeera", "14 Mar 2019", D),
    # Medium, Substack
    ("medium", "Mar 14, 2019", D),
    ("medium", "5 min read · Mar 14, 2019", D),
    ("medium", "Jane Okafor\nFollow\n5 min read\n·\nMar 14, 2019", D),
    ("substack", "MAR 14, 2019", D),
    ("substack", "Mar 14, 2019 ∙ Paid", D),
    # US regional (Gannett), FT, Economist, Indian papers, ISO stamps
    ("gannett", "Published 10:22 a.m. ET March 14, 2019 | Updated 12:05 p.m. ET March 14, 2019", D),
    ("us-regional", "Posted Mar 14, 2019", D),
    ("us-regional", "Mar. 14, 2019 10:22 a.m.", D),
    ("us-regional", "Thu., March 14, 2019", D),
    ("ft", "March 14 2019", D),
    ("economist", "Mar 14th 2019", D),
    ("hindustan", "Updated: Mar 14, 2019 10:22 IST", D),
    ("toi", "Mar 14, 2019, 10:22 IST", D),
    ("iso", "2019-03-14T10:22:00Z", D),
    ("iso", "2019-03-14 10:22", D),
]
