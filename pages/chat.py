"""Chat with the AI helper: grounded answers that cite verses, saved history, age bands."""

import streamlit as st

import engine
from components.chat_view import STARTERS, get_chat_engine, verse_card
from components.state import get_studio

studio = get_studio()
store = studio.chats
st.title("🪈 Talk with the Gita helper")
st.info("I am an **AI helper**: a computer program, not Krishna and not a person. "
        "I share what the Bhagavad Gita teaches, in simple words.", icon="🤖")

with st.sidebar:
    age = st.segmented_control("Age", ["5-7", "8-10", "11-13"], default="8-10", key="chat_age") or "8-10"
    if st.button("➕ New chat", use_container_width=True):
        st.query_params.pop("chat", None)
        st.rerun()
    st.caption("Past chats (🚩 = refused or sent to a grown-up)")
    only_flagged = st.toggle("Only flagged chats", key="only_flagged")
    for c in store.list(limit=30, flagged_only=only_flagged):
        col1, col2 = st.columns([5, 1])
        label = ("🚩 " if c.flagged else "") + c.title
        if col1.button(label, key=f"open-{c.id}", use_container_width=True):
            st.query_params["chat"] = c.id
            st.rerun()
        if col2.button("🗑", key=f"del-{c.id}", help="Delete this chat"):
            st.session_state.confirm_delete = c.id
    if st.session_state.get("confirm_delete"):
        st.warning("Delete this chat for good?")
        yes, no = st.columns(2)
        if yes.button("Delete", type="primary"):
            store.delete(st.session_state.pop("confirm_delete"))
            st.query_params.pop("chat", None)
            st.rerun()
        if no.button("Keep"):
            st.session_state.pop("confirm_delete")
            st.rerun()

chat_id = st.query_params.get("chat")
if chat_id and store.get(chat_id) is None:
    st.warning("That chat is no longer saved. Here is a new one.")
    chat_id = None

history = store.messages(chat_id) if chat_id else []
for i, m in enumerate(history):
    with st.chat_message(m.role, avatar="🧒" if m.role == "user" else "🪈"):
        st.markdown(m.content)
        for ref in m.citations:
            verse_card(studio, ref, key=f"h{i}-{ref}")

question = st.chat_input("Ask me anything about feelings, friends or the Gita…", max_chars=2000)
if not history and not question:
    st.caption("Try one of these:")
    picked = st.pills("Starters", STARTERS, label_visibility="collapsed", key="starter")
    if picked:
        question = picked

if question:
    with st.chat_message("user", avatar="🧒"):
        st.markdown(studio.mask(question))
    with st.chat_message("assistant", avatar="🪈"):
        try:
            turn = get_chat_engine().ask(question, age_band=age)
            st.write_stream(turn)
            result = turn.result
            if result.replaced:
                st.markdown(result.answer)
            for ref in result.citations:
                verse_card(studio, ref, key=f"new-{ref}")
        except engine.GitaError as exc:
            st.error(str(exc))
            st.stop()
    if not chat_id:
        chat_id = store.new_chat(age)
        st.query_params["chat"] = chat_id
    store.add_exchange(chat_id, studio.mask(question), result.answer, result.action, result.citations)
    st.rerun()
