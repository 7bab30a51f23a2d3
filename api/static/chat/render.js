// How the chat page draws things: product cards, the "what I did" line of a turn's tool
// calls, quick replies read from the assistant's own hints, and the yes / no of a confirmation.
// Everything is built with DOM calls and textContent: no server text is ever parsed as HTML.
"use strict";

const ShopRender = (() => {
  function el(tag, attrs = {}, text = "") {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  }

  function money(amount, currency) {
    if (typeof amount !== "number") return "";
    try {
      return new Intl.NumberFormat("en", { style: "currency", currency }).format(amount);
    } catch (err) {  // an unknown code: say it plainly
      return `${amount.toFixed(2)} ${currency}`;
    }
  }

  // A placeholder picture per kind of product (the demo data has no images).
  const PICTURES = [
    ["jewellery", /necklace|bracelet|earring|\bring\b|jewel|charm|watch|brooch|pendant/],
    ["light", /candle|t-light|lantern|light|lamp|bulb|incense/],
    ["kitchen", /mug|cup|bowl|plate|saucer|cake|cutlery|tin\b|jar|tray|kettle|coffee|espresso|tea|bottle|dish|coaster|grill|jug|glass/],
    ["bag", /bag|purse|backpack|luggage|shirt|jacket|shoe|sneaker|boot|apron|sunglasses|umbrella|parasol|scarf|hat|glove/],
    ["paper", /card|wrap|ribbon|notebook|pen\b|pencil|sticker|tag|book|tape|tissue|paper|envelope|stationery/],
    ["home", /decoration|heart|sign|cushion|mirror|frame|clock|doormat|hook|garland|flower|tree|wreath|bunting|cabinet|basket|knob|doorstop|star|hanger|shelf|chair|bed|vase|thermostat|purifier|vacuum|hose/],
    ["tech", /laptop|phone|tablet|camera|speaker|mouse|keyboard|charger|earbud|headphone|reader|computer|toothbrush/],
    ["sport", /toy|bicycle|skateboard|helmet|yoga|dumbbell|puzzle|game|ball|kit\b/],
  ];

  function pictureFor(category) {
    const kind = (category || "").toLowerCase();
    const found = PICTURES.find(([, pattern]) => pattern.test(kind));
    return `/static/chat/${found ? found[0] : "other"}.svg`;
  }

  function stockText(product) {
    if (product.in_stock === false) return "Out of stock";
    if (typeof product.stock === "number") return `${product.stock} in stock`;
    return product.in_stock ? "In stock" : "";
  }

  // A product card; ``ask(text)`` sends a request, as the shopper would type it.
  function productCard(product, currency, ask) {
    const title = product.title || product.id;
    const card = el("article", { class: "card", "aria-label": title });
    card.append(el("img", { src: pictureFor(product.category), alt: "", width: "48", height: "48" }));
    card.append(el("h3", {}, title));
    card.append(el("p", { class: "price" }, money(product.price, product.currency || currency)));
    const stock = stockText(product);
    if (stock) card.append(el("p", { class: product.in_stock === false ? "out" : "" }, stock));
    if (product.category) card.append(el("p", { class: "kind" }, product.category));
    const actions = el("div", { class: "actions" });
    const details = el("button", { type: "button", "aria-label": `Details of ${title}` }, "Details");
    details.addEventListener("click", () => ask(`tell me about ${product.id}`));
    const similar = el("button", { type: "button", "aria-label": `Products similar to ${title}` }, "Similar");
    similar.addEventListener("click", () => ask(`show me products similar to ${product.id}`));
    actions.append(details, similar);
    card.append(actions);
    return card;
  }

  // ----------------------------------------------------------------- what the assistant did

  const WRITES = new Set([
    "cancel_pending_order", "modify_pending_order_address", "modify_pending_order_items",
    "modify_pending_order_payment", "modify_user_address", "return_delivered_order_items",
    "exchange_delivered_order_items",
  ]);

  function searchWords(args, currency) {
    const parts = [args.query ? `searched the catalog for “${args.query}”` : "searched the catalog"];
    if (args.category) parts.push(`category ${args.category}`);
    if (args.brand) parts.push(`by ${args.brand}`);
    for (const [name, value] of Object.entries(args.attributes || {})) parts.push(`${name} ${value}`);
    if (typeof args.min_price === "number") parts.push(`from ${money(args.min_price, currency)}`);
    if (typeof args.max_price === "number") parts.push(`under ${money(args.max_price, currency)}`);
    if (args.in_stock_only) parts.push("in stock only");
    if (args.sort && args.sort !== "relevance") parts.push(`sorted by ${args.sort.replace("_", " ")}`);
    return parts.join(", ");
  }

  const STRATEGIES = {
    similar: (a) => `found products similar to ${a.product_id}`,
    bought_together: (a) => `found what is bought with ${a.product_id}`,
    trending: () => "looked up what is selling now",
  };

  function toolWords(name, args, currency) {
    args = args || {};
    const order = args.order_id || "";
    switch (name) {
      case "search_products": return searchWords(args, currency);
      case "get_product": case "get_product_details": return `looked up product ${args.product_id}`;
      case "check_inventory": return `checked the stock of ${args.product_id}`;
      case "recommend_products":
        return (STRATEGIES[args.strategy] || (() => "picked products for you"))(args);
      case "forecast_demand": return `forecast the demand for ${args.product_id}`;
      case "find_user_id_by_email": case "find_user_id_by_name_zip": return "found your account";
      case "get_user_details": return "looked up your account";
      case "get_order_details": return `looked up order ${order}`;
      case "list_all_product_types": return "listed the kinds of product";
      case "cancel_pending_order": return `cancel order ${order}`;
      case "modify_pending_order_address": return `change the delivery address of ${order}`;
      case "modify_pending_order_items": return `change items of order ${order}`;
      case "modify_pending_order_payment": return `change the payment of order ${order}`;
      case "modify_user_address": return "change your address";
      case "return_delivered_order_items": return `return items of order ${order}`;
      case "exchange_delivered_order_items": return `exchange items of order ${order}`;
      case "transfer_to_human_agents": return "passed you to a person";
      case "calculate": return "did a calculation";
      default: return String(name || "a step").replaceAll("_", " ");
    }
  }

  const STATUS = {
    running: (w) => `${w}…`,
    done: (w) => w,
    asked: (w) => `proposed: ${w} (waiting for your yes or no)`,
    declined: (w) => `not done: ${w} (you said no)`,
    failed: (w) => `${w}: it did not work`,
  };

  function toolLine(name, args, status, currency) {
    let words = toolWords(name, args, currency);
    if (WRITES.has(name) && status === "done") words = `done: ${words}`;
    const item = el("li", { class: status }, (STATUS[status] || STATUS.done)(words));
    item.dataset.name = name;
    return item;
  }

  // The collapsible "what I did" line of one answer; ``steps`` is its list.
  function didBox() {
    const box = el("details", { class: "did" });
    const summary = el("summary", {}, "What I did");
    const steps = el("ul");
    box.append(summary, steps);
    box.hidden = true;
    return { box, summary, steps };
  }

  function countSteps(did) {
    const n = did.steps.children.length;
    did.box.hidden = n === 0;
    did.summary.textContent = `What I did (${n} step${n === 1 ? "" : "s"})`;
  }

  // -------------------------------------------------------------------------- quick replies

  // The assistant words its own suggestions as quoted phrases after a cue: "Say 'show more'
  // …", "e.g. 'is the first one in stock?'", or a help line "- narrow a search: 'cheaper'".
  // Quotes of the shopper's own words ("Nothing matched 'heart lantern'") have no cue before
  // them. A quote opens after a space or bracket and closes before punctuation, so
  // apostrophes ("I'm", "shop's") are not taken for quotes.
  const CUE = /\b(?:e\.g\.|for example|say|try|such as)|^- [^:]*:/i;
  const QUOTED = /(?:^|[\s(:,])['‘“"]([^'’”"\n]{2,60}?)['’”"](?=[\s.,;:)!?]|$)/g;

  function hints(text) {
    const found = [];
    for (const line of (text || "").split("\n")) {
      const cue = line.match(CUE);
      if (!cue) continue;
      for (const match of line.slice(cue.index + cue[0].length).matchAll(QUOTED)) {
        const phrase = match[1].trim();
        if (/[a-z]/i.test(phrase) && !found.includes(phrase)) found.push(phrase);
      }
    }
    return found.slice(0, 6);
  }

  function replies(phrases, ask) {
    const row = el("div", { class: "replies", role: "group", "aria-label": "Suggested replies" });
    for (const phrase of phrases) {
      const button = el("button", { type: "button" }, phrase);
      button.addEventListener("click", () => ask(phrase));
      row.append(button);
    }
    return row;
  }

  function confirmButtons(ask) {
    const row = el("div", { class: "confirm", role: "group", "aria-label": "Answer the question" });
    const yes = el("button", { type: "button", class: "yes" }, "Yes, go ahead");
    const no = el("button", { type: "button", class: "no" }, "No");
    yes.addEventListener("click", () => ask("yes"));
    no.addEventListener("click", () => ask("no"));
    row.append(yes, no);
    return row;
  }

  return { el, money, productCard, toolLine, didBox, countSteps, hints, replies, confirmButtons };
})();
