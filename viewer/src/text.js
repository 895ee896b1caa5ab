// Search folding, the same rule as the server's heritage_fold(): đ→d, strip diacritics (NFD and
// drop combining marks), lower case, collapse spaces. "bach dinh" matches "Bạch Dinh".

export function fold(text) {
  return String(text ?? "")
    .replace(/[đĐ]/g, "d")
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim();
}

// Every word of the query must occur in the folded haystack (any order), like the API's q=.
export function matchesQuery(foldedHaystack, foldedQuery) {
  if (!foldedQuery) return true;
  return foldedQuery.split(" ").every((word) => foldedHaystack.includes(word));
}
